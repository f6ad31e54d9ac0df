/**
 * What the session knows of the service's Users and Groups: which SCIM id holds which
 * person or unit (and at which version), learnt from listings, lookups and its own writes.
 *
 * A resource is orgsync's when orgsync linked its id before (the state's targetId), or when
 * its externalId is orgsync's: a person key for a User, `<prefix><unit key>` for a Group.
 * Lookups by key use a filter (`externalId eq "..."`) when the service filters, and a full
 * listing, page by page, when it does not; filter answers are checked, so that a service
 * that ignores the filter does not hand over someone else's resource.
 */
import { ConnectorError } from '../../src/sdk/errors.js';
import { isPersonKey } from '../../src/util/pseudonym.js';
import type { ScimConfig } from './config.js';
import { type Features, prop } from './discovery.js';
import { type ScimHttp, versionOf } from './http.js';

export type Kind = 'person' | 'unit';
export const ENDPOINT: Record<Kind, '/Users' | '/Groups'> = { person: '/Users', unit: '/Groups' };
export const CORE_SCHEMA: Record<Kind, string> = {
  person: 'urn:ietf:params:scim:schemas:core:2.0:User',
  unit: 'urn:ietf:params:scim:schemas:core:2.0:Group',
};
const WORD: Record<Kind, string> = { person: 'User', unit: 'Group' };

export interface Found {
  id: string;
  version: string | null;
  /** The resource, when the lookup fetched it whole. */
  resource?: unknown;
  externalId?: string | undefined;
}

/** A string as a SCIM filter literal (RFC 7644 section 3.4.2.2: JSON string rules). */
export const filterString = (s: string): string => JSON.stringify(s);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class Directory {
  readonly #http: ScimHttp;
  readonly #cfg: ScimConfig;
  readonly #features: () => Promise<Features>;
  readonly #byKey: Record<Kind, Map<string, Found>> = { person: new Map(), unit: new Map() };
  readonly #keyOfId: Record<Kind, Map<string, string>> = { person: new Map(), unit: new Map() };
  /** ids orgsync linked to keys (from the state), which win over an externalId. */
  readonly #linked: Record<Kind, Map<string, string>> = { person: new Map(), unit: new Map() };
  /** Every User by lower-cased userName, from the last full listing of Users. */
  #byUserName: Map<string, Found> = new Map();
  /** A full listing made this session: a key not found in it is not in the service. */
  readonly #complete: Record<Kind, boolean> = { person: false, unit: false };
  readonly #indexing: Partial<Record<Kind, Promise<void>>> = {};
  /** Per listing under way: the keys written or looked up since it began. */
  readonly #scanning: Record<Kind, Set<Set<string>>> = { person: new Set(), unit: new Set() };

  constructor(http: ScimHttp, cfg: ScimConfig, features: () => Promise<Features>) {
    this.#http = http;
    this.#cfg = cfg;
    this.#features = features;
  }

  externalIdOf(kind: Kind, key: string): string {
    return kind === 'person' ? key : `${this.#cfg.units.externalIdPrefix}${key}`;
  }

  /** The key a resource belongs to, or undefined when it is not orgsync's. */
  keyOfResource(kind: Kind, resource: unknown): string | undefined {
    const id = text(prop(resource, 'id'));
    const linked = id === undefined ? undefined : this.#linked[kind].get(id);
    if (linked !== undefined) return linked;
    const ext = text(prop(resource, 'externalId'));
    if (ext === undefined) return undefined;
    if (kind === 'person') return isPersonKey(ext) ? ext : undefined;
    const prefix = this.#cfg.units.externalIdPrefix;
    return ext.startsWith(prefix) && ext.length > prefix.length ? ext.slice(prefix.length) : undefined;
  }

  /** The ids the state links to keys: they identify resources whatever their externalId says now. */
  setLinks(kind: Kind, links: Iterable<[key: string, id: string]>): void {
    this.#linked[kind].clear();
    for (const [key, id] of links) this.#linked[kind].set(id, key);
  }

  known(kind: Kind, key: string): Found | undefined {
    return this.#byKey[kind].get(key);
  }

  keyOf(kind: Kind, id: string): string | undefined {
    return this.#keyOfId[kind].get(id);
  }

  /** What the session learnt from a write or lookup: it outranks a listing still under way. */
  remember(kind: Kind, key: string, found: Found): void {
    for (const touched of this.#scanning[kind]) touched.add(key);
    this.#set(kind, key, found);
  }

  setVersion(kind: Kind, key: string, version: string | null): void {
    const known = this.#byKey[kind].get(key);
    if (known) known.version = version;
  }

  forget(kind: Kind, key: string): void {
    for (const touched of this.#scanning[kind]) touched.add(key);
    this.#drop(kind, key);
  }

  #set(kind: Kind, key: string, found: Found): void {
    const before = this.#byKey[kind].get(key);
    if (before && before.id !== found.id) this.#keyOfId[kind].delete(before.id);
    this.#byKey[kind].set(key, { id: found.id, version: found.version });
    this.#keyOfId[kind].set(found.id, key);
  }

  #drop(kind: Kind, key: string): void {
    const known = this.#byKey[kind].get(key);
    if (known) this.#keyOfId[kind].delete(known.id);
    this.#byKey[kind].delete(key);
  }

  /**
   * Lists every resource of a kind, page by page, handing each to `visit`, and learns which
   * id holds which key. Afterwards a key it did not meet is known to be absent.
   */
  async scan(
    kind: Kind,
    visit?: (resource: unknown) => void,
    opts: { members?: boolean } = {},
  ): Promise<void> {
    const features = await this.#features();
    const what = `list ${WORD[kind]}s`;
    // Filtered or not, some services cap every list at filter.maxResults.
    const count = Math.min(this.#cfg.pageSize, features.maxResults ?? Number.POSITIVE_INFINITY);
    const exclude = kind === 'unit' && !opts.members ? '&excludedAttributes=members' : '';
    const byKey = new Map<string, Found>();
    const byUserName = new Map<string, Found>();
    const seen = new Set<string>();
    const touched = new Set<string>();
    this.#scanning[kind].add(touched);
    try {
      let total = Number.POSITIVE_INFINITY;
      for (let start = 1; seen.size < total; ) {
        const { body } = await this.#http.get(
          `${ENDPOINT[kind]}?startIndex=${start}&count=${count}${exclude}`,
          what,
        );
        const page = prop(body, 'Resources');
        const resources = Array.isArray(page) ? page : [];
        let fresh = 0;
        for (const r of resources) {
          const id = text(prop(r, 'id'));
          if (id === undefined || seen.has(id)) continue;
          seen.add(id);
          fresh++;
          const found: Found = { id, version: versionOf(r), externalId: text(prop(r, 'externalId')) };
          const key = this.keyOfResource(kind, r);
          // A linked id wins over an externalId someone copied onto another resource.
          if (key !== undefined && (!byKey.has(key) || this.#linked[kind].get(id) === key))
            byKey.set(key, found);
          const userName = kind === 'person' ? text(prop(r, 'userName')) : undefined;
          if (userName !== undefined) byUserName.set(userName.toLowerCase(), found);
          visit?.(r);
        }
        const totalResults = prop(body, 'totalResults');
        if (typeof totalResults === 'number') total = totalResults;
        if (resources.length === 0) break;
        if (fresh === 0)
          throw new ConnectorError(
            'invalid-config',
            `${what}: the service answered startIndex ${start} with resources it had already sent (it ignores startIndex); set pageSize to more than it holds`,
          );
        start += resources.length;
      }
    } finally {
      this.#scanning[kind].delete(touched);
    }
    // The listing replaces what the session knew, except what it wrote or looked up meanwhile.
    for (const key of [...this.#byKey[kind].keys()])
      if (!byKey.has(key) && !touched.has(key)) this.#drop(kind, key);
    for (const [key, found] of byKey) if (!touched.has(key)) this.#set(kind, key, found);
    if (kind === 'person') this.#byUserName = byUserName;
    this.#complete[kind] = true;
  }

  /** Lists a kind once per session (shared by concurrent callers), unless `fresh`. */
  async #index(kind: Kind, fresh: boolean): Promise<void> {
    if (fresh || !this.#complete[kind]) {
      if (fresh) delete this.#indexing[kind];
      this.#indexing[kind] ??= this.scan(kind).catch((e: unknown) => {
        delete this.#indexing[kind];
        throw e;
      });
    }
    await this.#indexing[kind];
  }

  /** The resource holding a person or unit, or null. `fresh` asks the service, not the session. */
  async find(kind: Kind, key: string, fresh = false): Promise<Found | null> {
    if (!fresh) {
      const known = this.#byKey[kind].get(key);
      if (known) return known;
      if (this.#complete[kind]) return null;
    }
    const ext = this.externalIdOf(kind, key);
    if (!(await this.#features()).filter) {
      await this.#index(kind, fresh);
      return this.#byKey[kind].get(key) ?? null;
    }
    const found = await this.#filtered(kind, 'externalId', ext, (r) => text(prop(r, 'externalId')) === ext);
    if (found) this.remember(kind, key, found);
    return found;
  }

  /** The User with this userName (compared without case), whoever's it is, or null. */
  async findUserName(userName: string, fresh = false): Promise<Found | null> {
    const lower = userName.toLowerCase();
    if (!fresh && this.#complete.person) return this.#byUserName.get(lower) ?? null;
    if (!(await this.#features()).filter) {
      await this.#index('person', fresh);
      return this.#byUserName.get(lower) ?? null;
    }
    return this.#filtered(
      'person',
      'userName',
      userName,
      (r) => text(prop(r, 'userName'))?.toLowerCase() === lower,
    );
  }

  async #filtered(
    kind: Kind,
    attribute: string,
    value: string,
    matches: (r: unknown) => boolean,
  ): Promise<Found | null> {
    const filter = encodeURIComponent(`${attribute} eq ${filterString(value)}`);
    const exclude = kind === 'unit' ? '&excludedAttributes=members' : '';
    const { body } = await this.#http.get(
      `${ENDPOINT[kind]}?filter=${filter}&startIndex=1&count=10${exclude}`,
      `find ${WORD[kind]} by ${attribute}`,
    );
    const page = prop(body, 'Resources');
    const hit = (Array.isArray(page) ? page : []).find(matches);
    const id = text(prop(hit, 'id'));
    if (id === undefined) return null;
    return { id, version: versionOf(hit), externalId: text(prop(hit, 'externalId')), resource: hit };
  }
}
