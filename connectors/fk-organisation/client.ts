/**
 * The FK operations the connector uses, one soap client per service, every call counted.
 * `ensure` is the one way an object is written: it creates with `importer` when orgsync
 * believes the object is new, and otherwise (or when the importer finds it already there,
 * after a crash or a lost reply) reads it with `laes`, merges what orgsync wants into what
 * FK holds, and sends `ret` only when something differs. The UUIDs are orgsync's own and
 * stable, so a repeated attempt finds the same object: no duplicates.
 */
import type soap from 'soap';
import { ConnectorError } from '../../src/sdk/errors.js';
import { type CallSecurity, call } from './call.js';
import {
  type Actor,
  type Desired,
  emptyRegistration,
  importBody,
  merge,
  type Registration,
  readIdList,
  readRegistration,
  readRegistrations,
  retBody,
} from './registration.js';
import { type EntityService, serviceClient } from './wsdl.js';

export interface FkClientOptions {
  /** Base URL: services are at `${endpoint}/organisation/<service>/6`. */
  endpoint: string;
  actor: Actor;
  timeoutMs: number;
  /** OIOIDWS: signs each call with a token for the municipality (absent against a local simulator). */
  security?: CallSecurity;
  /** The clock Virkning starts and ends by (tests). */
  clock?: () => Date;
}

export type EnsureMode = 'create' | 'update' | 'upsert';

/** What `ensure` did: `created`, `updated` (a ret), or `unchanged` (nothing sent but the laes). */
export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export class FkClient {
  readonly #opts: FkClientOptions;
  readonly #clients = new Map<EntityService, Promise<soap.Client>>();

  constructor(opts: FkClientOptions) {
    this.#opts = opts;
  }

  #client(service: EntityService): Promise<soap.Client> {
    let c = this.#clients.get(service);
    if (!c) {
      c = serviceClient(service, `${this.#opts.endpoint}/organisation/${service.toLowerCase()}/6`);
      this.#clients.set(service, c);
      c.catch(() => this.#clients.delete(service));
    }
    return c;
  }

  async #call<T>(service: EntityService, op: string, body: object, what: string) {
    const path = service.toLowerCase();
    return call<T & { StandardRetur: { StatusKode: number | string } }>(
      await this.#client(service),
      op,
      body,
      {
        what,
        timeoutMs: this.#opts.timeoutMs,
        ...(this.#opts.security
          ? {
              security: this.#opts.security,
              address: {
                action: `http://kombit.dk/sts/organisation/${path}/${op}`,
                to: `${this.#opts.endpoint}/organisation/${path}/6`,
              },
            }
          : {}),
      },
    );
  }

  #now(): string {
    return (this.#opts.clock?.() ?? new Date()).toISOString();
  }

  /** The object's newest registration, or null when FK does not have it (44). */
  async laes(service: EntityService, uuid: string, what: string): Promise<Registration | null> {
    try {
      const { raw } = await this.#call(service, 'laes', { 'sd:UUIDIdentifikator': uuid }, `laes ${what}`);
      return readRegistration(raw);
    } catch (e) {
      if (e instanceof ConnectorError && e.kind === 'not-found') return null;
      throw e;
    }
  }

  /** Registrations of many objects by UUID (those FK lacks are missing from the map). */
  async list(service: EntityService, uuids: readonly string[]): Promise<Map<string, Registration>> {
    if (uuids.length === 0) return new Map();
    try {
      const { raw } = await this.#call(
        service,
        'list',
        { 'sd:UUIDIdentifikator': [...uuids] },
        `list ${uuids.length} ${service}`,
      );
      return readRegistrations(raw);
    } catch (e) {
      if (e instanceof ConnectorError && e.kind === 'not-found') return new Map();
      throw e;
    }
  }

  /**
   * Every UUID of `service` whose current relation `relation` points at `ref` (the
   * municipality), in pages of `pageSize`: soeg with FoersteResultatReference and
   * MaksimalAntalKvantitet until a short or empty page.
   */
  async soegAll(service: EntityService, relation: string, ref: string, pageSize: number): Promise<string[]> {
    const out: string[] = [];
    for (let first = 0; ; first += pageSize) {
      let page: string[];
      try {
        const body = {
          FoersteResultatReference: first,
          MaksimalAntalKvantitet: pageSize,
          AttributListe: {},
          TilstandListe: {},
          RelationListe: { [relation]: { ReferenceID: { UUIDIdentifikator: ref } } },
        };
        const { raw } = await this.#call(service, 'soeg', body, `soeg ${service} from ${first}`);
        page = readIdList(raw);
      } catch (e) {
        if (e instanceof ConnectorError && e.kind === 'not-found') break; // an empty page
        throw e;
      }
      out.push(...page);
      if (page.length < pageSize) break;
    }
    return out;
  }

  async passiver(service: EntityService, uuid: string, what: string): Promise<void> {
    try {
      await this.#call(service, 'passiver', { 'sd:UUIDIdentifikator': uuid }, `passiver ${what}`);
    } catch (e) {
      // Already passivated (49) or gone (44): what passiver is for has happened.
      if (e instanceof ConnectorError && (e.kind === 'not-found' || /answered 49/.test(e.message))) return;
      throw e;
    }
  }

  /**
   * Brings one object to what `want` says.
   * - `create`: importer; if FK refuses because the object exists (a retry after a lost
   *   reply), falls back to read-merge-write.
   * - `upsert`: laes first; importer when FK lacks it.
   * - `update`: laes first; an object FK lacks is an error (orgsync wrote it once: someone
   *   removed it in FK).
   */
  async ensure(
    service: EntityService,
    uuid: string,
    want: Desired,
    mode: EnsureMode,
    what: string,
  ): Promise<EnsureOutcome> {
    const now = this.#now();
    const importNew = async () => {
      const reg = merge(service, emptyRegistration(), want, this.#opts.actor, now) ?? emptyRegistration();
      await this.#call(service, 'importer', importBody(service, uuid, reg, now), `importer ${what}`);
      return 'created' as const;
    };
    if (mode === 'create') {
      try {
        return await importNew();
      } catch (e) {
        if (!(e instanceof ConnectorError) || e.kind !== 'invalid-value') throw e;
        // Either the body is wrong (rethrown below) or the object is there already.
        const current = await this.laes(service, uuid, what);
        if (!current) throw e;
        return this.#retIfChanged(service, uuid, current, want, what);
      }
    }
    const current = await this.laes(service, uuid, what);
    if (current) return this.#retIfChanged(service, uuid, current, want, what);
    if (mode === 'upsert') return importNew();
    throw new ConnectorError(
      'not-found',
      `${what}: FK no longer has this object though orgsync wrote it (removed by hand or by another system); ` +
        'run orgsync with reconcile: true to re-create it',
    );
  }

  async #retIfChanged(
    service: EntityService,
    uuid: string,
    current: Registration,
    want: Desired,
    what: string,
  ): Promise<EnsureOutcome> {
    const next = merge(service, current, want, this.#opts.actor, this.#now());
    if (!next) return 'unchanged';
    await this.#call(service, 'ret', retBody(service, uuid, next), `ret ${what}`);
    return 'updated';
  }
}
