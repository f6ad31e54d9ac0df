/**
 * Configuration of the SQL table target: how to reach the PostgreSQL database, and per
 * object type the table, its key, parent and disabled columns, and which column each
 * mapped attribute goes to. orgsync never creates or alters these tables: the database's
 * owner does, and the connector checks at its first use that they are as configured.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { secret } from '../../src/sdk/secret.js';
import type { ObjectType } from '../../src/sdk/types.js';

/**
 * A table, column or schema name exactly as the database holds it (case matters: a table
 * created as `CREATE TABLE Persons` is called `persons`). Names are always quoted when
 * used, so any character is safe; PostgreSQL cuts names longer than 63 bytes, so such a
 * name could never match and is refused here.
 */
const Identifier = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => !s.includes('\0'), 'must not contain NUL')
  .refine(
    (s) => Buffer.byteLength(s, 'utf8') <= 63,
    'must be at most 63 bytes (PostgreSQL cuts longer names)',
  );

export const TableConfig = z
  .strictObject({
    /** The table, in `schema`. */
    table: Identifier,
    /** Holds orgsync's key of the object; must have a PRIMARY KEY or UNIQUE constraint of its own. */
    key: Identifier,
    /** Holds the key of the unit the object sits in (a unit's parent unit); optional. */
    parent: Identifier.optional(),
    /** A boolean column set true when orgsync disables the object, false when it is active. */
    disabled: Identifier.optional(),
    /** The opposite convention: a boolean column that is true while the object is active. */
    active: Identifier.optional(),
    /** Mapped attribute name -> column name. An attribute not listed goes to the column of its own name. */
    columns: z.record(z.string().min(1), Identifier).default({}),
  })
  .refine((t) => !(t.disabled !== undefined && t.active !== undefined), {
    message: 'set either disabled or active, not both',
    path: ['active'],
  })
  .refine(
    (t) => {
      const fixed = [t.key, t.parent, t.disabled ?? t.active].filter((c) => c !== undefined);
      return new Set(fixed).size === fixed.length;
    },
    { message: 'key, parent and disabled/active must be different columns', path: ['key'] },
  );
export type TableConfig = z.infer<typeof TableConfig>;

const SslConfig = z.union([
  /** true: TLS, the server certificate verified against the system's CAs. */
  z.boolean(),
  z.strictObject({
    /** The CA certificate(s) that issued the server's certificate (PEM). */
    caFile: z.string().refine(existsSync, 'no such file').optional(),
    /** The name the server's certificate is issued for, when `host` is another (an IP). */
    serverName: z.string().min(1).optional(),
  }),
]);

export const SqlConfig = z
  .strictObject({
    /** postgres://user:password@host:port/database: a secret reference, as it holds the password. */
    url: secret().optional(),
    host: z.string().trim().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: secret().optional(),
    /** TLS to the server: off unless set. The URL may not set it (sslmode=... is refused), nor may PGSSLMODE. */
    ssl: SslConfig.default(false),
    /** The schema the tables are in. */
    schema: Identifier.default('public'),
    /** An unreachable server fails the run after this long instead of hanging it. */
    connectTimeoutMs: z.number().int().positive().default(10_000),
    /** Per statement: a table locked by someone else fails the change instead of waiting forever. */
    statementTimeoutMs: z.number().int().positive().default(120_000),
    /** Rows per multi-row statement (fewer when a row has many columns: 65,535 parameters at most). */
    chunkSize: z.number().int().min(1).max(10_000).default(1000),
    tables: z
      .strictObject({
        unit: TableConfig.optional(),
        person: TableConfig.optional(),
        position: TableConfig.optional(),
      })
      .refine((t) => t.unit || t.person || t.position, 'configure at least one of unit, person, position')
      .refine((t) => {
        const names = [t.unit, t.person, t.position].filter((x) => x !== undefined).map((x) => x.table);
        return new Set(names).size === names.length;
      }, 'each object type needs a table of its own'),
  })
  .refine((c) => (c.url === undefined) !== (c.host === undefined), {
    message: 'set either url, or host with database and user',
    path: ['host'],
  })
  .refine((c) => c.host === undefined || (c.database !== undefined && c.user !== undefined), {
    message: 'host needs database and user',
    path: ['database'],
  })
  .refine(
    (c) => c.url === undefined || [c.port, c.database, c.user, c.password].every((v) => v === undefined),
    { message: 'with url, give port, database, user and password in the URL', path: ['url'] },
  );
export type SqlConfig = z.infer<typeof SqlConfig>;

export const TABLE_TYPES: readonly ObjectType[] = ['unit', 'person', 'position'];
