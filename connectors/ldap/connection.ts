/**
 * One LDAP connection: ldap:// (optionally upgraded with StartTLS) or ldaps://, a simple bind
 * as the configured DN, paged searches (RFC 2696). The connection is made on first use, so
 * opening a session touches no socket. Every failure comes out as a ConnectorError naming
 * the operation and the object (errors.ts).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import type { LdapConfig } from './config.js';
import { ldapError } from './errors.js';

/** An attribute's values as written: an empty list removes the attribute. */
export type Values = string[];

export class LdapConnection {
  readonly #cfg: LdapConfig;
  #client: Promise<Client> | null = null;

  constructor(cfg: LdapConfig) {
    this.#cfg = cfg;
  }

  #tlsOptions(): ConnectionOptions {
    const tls = this.#cfg.tls;
    return {
      ...(tls?.caFile ? { ca: [readFileSync(tls.caFile)] } : {}),
      ...(tls?.serverName ? { servername: tls.serverName } : {}),
      minVersion: 'TLSv1.2',
    };
  }

  async #connect(): Promise<Client> {
    const startTls = this.#cfg.tls?.startTls === true;
    const client = new Client({
      url: this.#cfg.url,
      timeout: this.#cfg.timeoutMs,
      connectTimeout: Math.min(this.#cfg.timeoutMs, 10_000),
      ...(this.#cfg.url.startsWith('ldaps://') ? { tlsOptions: this.#tlsOptions() } : {}),
    });
    try {
      if (startTls) await client.startTLS(this.#tlsOptions());
      await client.bind(this.#cfg.bind.dn, this.#cfg.bind.password.reveal());
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw ldapError(e, `bind to ${this.#cfg.url} as ${this.#cfg.bind.dn}`);
    }
    return client;
  }

  /** The bound client; one connect at a time, however many changes run at once. */
  async #bound(): Promise<Client> {
    const pending = this.#client;
    if (pending) {
      const current = await pending.catch(() => null);
      if (current?.isConnected && current.isBound) return current;
      // Dropped by the server (idle timeout, restart): connect afresh, once for all callers.
      if (this.#client === pending) {
        this.#client = null;
        await current?.unbind().catch(() => undefined);
      }
      if (this.#client) return this.#bound();
    }
    const connecting = this.#connect();
    this.#client = connecting;
    connecting.catch(() => {
      if (this.#client === connecting) this.#client = null;
    });
    return connecting;
  }

  /** Runs one operation; its failure is reported as `what`. */
  async #op<T>(what: string, run: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#bound();
    try {
      return await run(client);
    } catch (e) {
      throw ldapError(e, what);
    }
  }

  /** Every entry under `base` matching `filter`, page by page. */
  search(
    base: string,
    filter: string,
    attributes: string[],
    what: string,
    scope: 'sub' | 'one' | 'base' = 'sub',
  ): Promise<Entry[]> {
    return this.#op(what, async (client) => {
      const out: Entry[] = [];
      const pages = client.searchPaginated(base, {
        scope,
        filter,
        attributes,
        paged: { pageSize: this.#cfg.pageSize },
      });
      for await (const page of pages) out.push(...page.searchEntries);
      return out;
    });
  }

  /** The entry at `dn`, or undefined when there is none. */
  async lookup(dn: string, attributes: string[], what: string): Promise<Entry | undefined> {
    try {
      return (await this.search(dn, '(objectClass=*)', attributes, what, 'base'))[0];
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not-found') return undefined;
      throw e;
    }
  }

  add(dn: string, attributes: Record<string, Values>, what: string): Promise<void> {
    const list = Object.entries(attributes)
      .filter(([, values]) => values.length > 0)
      .map(([type, values]) => new Attribute({ type, values }));
    return this.#op(what, (client) => client.add(dn, list));
  }

  /** Replaces each attribute's values; an empty list removes the attribute. */
  async replace(dn: string, attributes: Record<string, Values>, what: string): Promise<void> {
    const changes = Object.entries(attributes).map(
      ([type, values]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) }),
    );
    if (changes.length > 0) await this.#op(what, (client) => client.modify(dn, changes));
  }

  /**
   * Renames and/or moves an entry (modifyDN with newSuperior). `newDn` must be built with
   * src/ldap/dn.ts: ldapts splits it into the new RDN and the new superior at the first comma
   * not preceded by a backslash, which that module's hex escaping keeps exact. ldapts always
   * asks the server to delete the old RDN's values.
   */
  rename(dn: string, newDn: string, what: string): Promise<void> {
    return this.#op(what, (client) => client.modifyDN(dn, newDn));
  }

  remove(dn: string, what: string): Promise<void> {
    return this.#op(what, (client) => client.del(dn));
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    await (await c?.catch(() => null))?.unbind().catch(() => undefined);
  }
}
