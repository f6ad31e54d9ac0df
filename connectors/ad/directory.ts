/**
 * One LDAP connection to a domain controller: TLS always (LDAPS, or StartTLS on ldap://),
 * the certificate checked against the configured CA, a simple bind as the service
 * account, paged searches. Every failure comes out as a ConnectorError naming the
 * operation (see errors.ts).
 */
import { readFileSync } from 'node:fs';
import { Attribute, Change, Client, type Entry, type Filter } from 'ldapts';
import type { AdConfig } from './config.js';
import { adError } from './errors.js';

/** Attribute values as ldapts writes them: text, or bytes for a binary attribute (unicodePwd). */
export type LdapValues = string[] | Buffer[];

export class Directory {
  readonly #cfg: AdConfig;
  #client: Client | null = null;

  constructor(cfg: AdConfig) {
    this.#cfg = cfg;
  }

  async #connected(): Promise<Client> {
    if (this.#client?.isConnected && this.#client.isBound) return this.#client;
    await this.close();
    const tls = this.#cfg.tls!;
    const tlsOptions = {
      ca: [readFileSync(tls.caFile)],
      ...(tls.serverName ? { servername: tls.serverName } : {}),
      minVersion: 'TLSv1.2' as const,
    };
    const client = new Client({
      url: this.#cfg.url,
      timeout: this.#cfg.timeoutMs,
      connectTimeout: Math.min(this.#cfg.timeoutMs, 10_000),
      // Only for ldaps://: given to an ldap:// client as well, ldapts's StartTLS handshake
      // fails (the DC resets the connection); startTLS() gets its own copy below.
      ...(tls.startTls ? {} : { tlsOptions }),
      // A StartTLS session is never rebound silently (the rebind would go out in clear).
      autoRebind: !tls.startTls,
    });
    try {
      if (tls.startTls) await client.startTLS({ ...tlsOptions });
      await client.bind(this.#cfg.bind.user, this.#cfg.bind.password.reveal());
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw adError(e, `bind to ${this.#cfg.url} as ${this.#cfg.bind.user}`);
    }
    this.#client = client;
    return client;
  }

  /** Every entry under `base` matching `filter`, page by page (AD returns at most 1,000 per page). */
  async search(
    base: string,
    filter: string | Filter,
    attributes: string[],
    scope: 'sub' | 'one' | 'base' = 'sub',
  ): Promise<Entry[]> {
    const client = await this.#connected();
    const out: Entry[] = [];
    try {
      for await (const page of client.searchPaginated(base, {
        scope,
        filter,
        attributes,
        explicitBufferAttributes: ['objectGUID'],
        paged: { pageSize: this.#cfg.pageSize },
      })) {
        out.push(...page.searchEntries);
      }
    } catch (e) {
      throw adError(e, `search under ${base}`);
    }
    return out;
  }

  async add(dn: string, attributes: Record<string, LdapValues>, label: string): Promise<void> {
    const client = await this.#connected();
    const list = Object.entries(attributes).map(([type, values]) => new Attribute({ type, values }));
    await client.add(dn, list).catch((e: unknown) => {
      throw adError(e, `create ${label}`);
    });
  }

  /**
   * `label` names the object in error messages: a person's account is named by its key,
   * never by its DN, which holds the person's name.
   */
  /** Replaces each attribute's values; an empty list removes the attribute. */
  async replace(dn: string, attributes: Record<string, LdapValues>, label: string): Promise<void> {
    const changes = Object.entries(attributes).map(
      ([type, values]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) }),
    );
    if (changes.length === 0) return;
    const client = await this.#connected();
    await client.modify(dn, changes).catch((e: unknown) => {
      throw adError(e, `update ${label}`);
    });
  }

  /** Adds or removes single values of a multi-valued attribute (a group's members). */
  async change(
    dn: string,
    operation: 'add' | 'delete',
    type: string,
    values: string[],
    label: string,
  ): Promise<void> {
    const client = await this.#connected();
    const change = new Change({ operation, modification: new Attribute({ type, values }) });
    await client.modify(dn, change).catch((e: unknown) => {
      throw adError(e, `${operation === 'add' ? 'add to' : 'remove from'} ${label}`);
    });
  }

  /** Renames and/or moves: `newDn` must be built with dn.ts, whose escaping ldapts's split relies on. */
  async rename(dn: string, newDn: string, label: string): Promise<void> {
    const client = await this.#connected();
    await client.modifyDN(dn, newDn).catch((e: unknown) => {
      throw adError(e, `move ${label}`);
    });
  }

  async remove(dn: string, label: string): Promise<void> {
    const client = await this.#connected();
    await client.del(dn).catch((e: unknown) => {
      throw adError(e, `delete ${label}`);
    });
  }

  async check(): Promise<void> {
    await this.search(this.#cfg.baseDn, '(objectClass=*)', ['distinguishedName'], 'base');
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    await c?.unbind().catch(() => undefined);
  }
}
