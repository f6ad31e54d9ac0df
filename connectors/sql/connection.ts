/**
 * The connection to the database: one pooled connection (a session's work is sequential,
 * and one transaction needs one connection), opened on first use so that opening a
 * session never touches the network. Messages name the server as host:port/database,
 * never the user's password or the URL that holds it.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ConnectorError } from '../../src/sdk/errors.js';
import { describePostgresUrl } from '../../src/util/postgres-url.js';
import type { SqlConfig } from './config.js';
import { isDatabaseError, sqlError } from './errors.js';

function sslOptions(cfg: SqlConfig): pg.ClientConfig['ssl'] {
  if (cfg.ssl === false) return undefined;
  if (cfg.ssl === true) return { rejectUnauthorized: true };
  let ca: Buffer | undefined;
  if (cfg.ssl.caFile) {
    try {
      ca = readFileSync(cfg.ssl.caFile);
    } catch {
      throw new ConnectorError('invalid-config', `ssl.caFile ${cfg.ssl.caFile} cannot be read`);
    }
  }
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(cfg.ssl.serverName ? { servername: cfg.ssl.serverName } : {}),
  };
}

export class Database {
  /** host:port/database, for messages. */
  readonly where: string;
  readonly user: string | undefined;
  readonly #pool: pg.Pool;
  readonly #hidden: string[];

  constructor(cfg: SqlConfig) {
    const url = cfg.url?.reveal();
    const password = cfg.password?.reveal();
    this.#hidden = [url, password].filter((s): s is string => s !== undefined && s !== '');
    if (url) {
      try {
        const p = decodeURIComponent(new URL(url).password);
        if (p) this.#hidden.push(p);
      } catch {
        // Not a URL pg can use either: the connect error says so, scrubbed of the string itself.
      }
    }
    this.where = url ? describePostgresUrl(url) : `${cfg.host}:${cfg.port ?? 5432}/${cfg.database ?? ''}`;
    this.user = url ? undefined : cfg.user;
    const ssl = sslOptions(cfg);
    this.#pool = new pg.Pool({
      ...(url
        ? { connectionString: url }
        : { host: cfg.host, port: cfg.port ?? 5432, database: cfg.database, user: cfg.user, password }),
      ...(ssl ? { ssl } : {}),
      application_name: 'orgsync',
      connectionTimeoutMillis: cfg.connectTimeoutMs,
      statement_timeout: cfg.statementTimeoutMs,
      keepAlive: true,
      max: 1,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection the server drops emits 'error' on the pool; unheard, that would end
    // the process. The next use opens a fresh connection and reports what is wrong then.
    this.#pool.on('error', () => {});
  }

  /** Removes the URL and the password from a driver message. */
  readonly scrub = (text: string): string => {
    let out = text;
    for (const h of this.#hidden) out = out.replaceAll(h, '[redacted]');
    return out;
  };

  /**
   * Runs `fn` on the connection. A failure without SQLSTATE (the socket died, or a wrapped
   * one) discards the connection: the next call opens a new one rather than reuse a broken one.
   */
  async withClient<R>(fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw sqlError(e, `connect to ${this.where}${this.user ? ` as ${this.user}` : ''}`, this.scrub);
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e) {
      if (!isDatabaseError(e)) broken = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => {});
  }
}
