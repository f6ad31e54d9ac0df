/**
 * The `state` block of the configuration and the one function that turns it into a ready
 * store: opened, schema migrated, failures reported as ORGSYNC_STATE_UNAVAILABLE naming
 * the file or the host (never the password, which lives in a Secret).
 */
import { z } from 'zod';
import { isOrgsyncError, OrgsyncError } from '../errors.js';
import { secret } from '../sdk/secret.js';
import { describePostgresUrl } from '../util/postgres-url.js';
import { DEFAULT_PG_SCHEMA, openPostgresStore, PG_SCHEMA_NAME } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { StateStore } from './store.js';

/** Relative to the working directory orgsync runs in. */
export const DEFAULT_SQLITE_PATH = '.orgsync/state.db';

export const SqliteStateConfig = z
  .object({
    kind: z.literal('sqlite'),
    path: z.string().min(1).default(DEFAULT_SQLITE_PATH),
  })
  .strict();

export const PostgresStateConfig = z
  .object({
    kind: z.literal('postgres'),
    /** The connection URL is a secret reference ({ env } or { file }): it holds the password. */
    url: secret(),
    schema: z
      .string()
      .regex(PG_SCHEMA_NAME, 'must be a plain identifier (letters, digits, underscore)')
      .default(DEFAULT_PG_SCHEMA),
  })
  .strict();

export const StateConfig = z.discriminatedUnion('kind', [SqliteStateConfig, PostgresStateConfig]);
export type StateConfig = z.output<typeof StateConfig>;
export type StateConfigInput = z.input<typeof StateConfig>;

/** Opens the configured store and brings its schema up to date. */
export async function openStateStore(config: StateConfig): Promise<StateStore> {
  const where =
    config.kind === 'sqlite'
      ? `state file ${config.path}`
      : `PostgreSQL state store at ${describePostgresUrl(config.url.reveal())}`;
  let store: StateStore | undefined;
  try {
    store =
      config.kind === 'sqlite'
        ? await openSqliteStore(config.path)
        : await openPostgresStore(config.url.reveal(), { schema: config.schema });
    await store.migrate();
    return store;
  } catch (e) {
    await store?.close().catch(() => {});
    if (isOrgsyncError(e)) throw e;
    // The driver's message is safe for both engines here: the URL and password only reach
    // the driver at connect time, and connect failures are already wrapped (and scrubbed).
    throw new OrgsyncError(
      'ORGSYNC_STATE_UNAVAILABLE',
      `cannot use the ${where}: ${e instanceof Error ? e.message : String(e)}`,
      { details: [config.kind === 'sqlite' ? config.path : where] },
    );
  }
}
