/**
 * The connection to the database: one pooled connection (a session's work is sequential,
 * and one transaction needs one connection), opened on first use so that opening a
 * session never touches the network. Messages name the server as host:port/database,
 * never the user's password or the URL that holds it.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ConnectorError } from '../../src/sdk/errors.js';
import { describePostgresUrl, splitPostgresUrl } from '../../src/util/postgres-url.js';
import type { SqlConfig } from './config.js';
import { isDatabaseError, sqlError } from './errors.js';

/**
 * TLS as `ssl` says, and only as it says. `false` is passed as such: left unset, pg would
 * take PGSSLMODE from the environment instead.
 */
function sslOptions(cfg: SqlConfig): pg.ClientConfig['ssl'] {
  if (cfg.ssl === false) return false;
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

/**
 * Query parameters of the URL that set up TLS. pg lets them override the `ssl` setting
 * (`sslmode=no-verify` turns verification off, `sslmode=disable` drops TLS, `sslmode=require`
 * discards caFile), so the URL may not carry them: TLS is `ssl`'s alone.
 */
const TLS_PARAMETERS = /^(ssl.*|uselibpqcompat|requiressl)$/i;

/**
 * Refuses, as invalid-config, a URL whose user information would be misread (part of the
 * password taken for host, port or database, and the password sent to that host) and one
 * that sets TLS up itself. Names the setting, never the URL's text.
 */
function checkUrl(url: string): void {
  const parts = splitPostgresUrl(url);
  if (parts?.userinfo !== undefined && /[/?#]/.test(parts.userinfo))
    throw new ConnectorError(
      'invalid-config',
      "url: the user or password in the URL holds a '/', '?' or '#', which ends the host part early (the driver would take part of the password for the host); percent-encode them (%2F, %3F, %23), and write an '@' elsewhere in the URL as %40",
    );
  const q = url.indexOf('?');
  if (q < 0) return;
  const query = url.slice(q + 1).split('#')[0]!;
  for (const name of new URLSearchParams(query).keys()) {
    if (TLS_PARAMETERS.test(name))
      throw new ConnectorError(
        'invalid-config',
        `url: the URL sets ${name}, which would override the ssl setting; remove it from the URL and set ssl instead (true, or { caFile, serverName }; TLS is always verified)`,
      );
  }
}

/** The user information as written, the password in it, and the password decoded. */
function urlSecrets(url: string): string[] {
  const userinfo = splitPostgresUrl(url)?.userinfo;
  if (userinfo === undefined) return [];
  const colon = userinfo.indexOf(':');
  const raw = colon < 0 ? '' : userinfo.slice(colon + 1);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not decodable: the raw form is all there is.
  }
  return [userinfo, raw, decoded];
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
    if (url) checkUrl(url);
    this.#hidden = [url, password, ...(url ? urlSecrets(url) : [])].filter(
      (s): s is string => s !== undefined && s !== '',
    );
    // Longest first: a password inside the user information is then removed with it.
    this.#hidden.sort((a, b) => b.length - a.length);
    this.where = url ? describePostgresUrl(url) : `${cfg.host}:${cfg.port ?? 5432}/${cfg.database ?? ''}`;
    this.user = url ? undefined : cfg.user;
    const ssl = sslOptions(cfg);
    this.#pool = new pg.Pool({
      ...(url
        ? { connectionString: url }
        : { host: cfg.host, port: cfg.port ?? 5432, database: cfg.database, user: cfg.user, password }),
      ssl,
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
