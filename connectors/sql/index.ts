/**
 * SQL table target (PostgreSQL): units, persons and positions upserted into tables and
 * columns the configuration names, one transaction per run. A line-of-business system
 * that reads its organisation from tables gets it by configuration alone. See README.md.
 */
import type pg from 'pg';
import { defineTarget, type TargetContext, type TargetSession } from '../../src/sdk/connector.js';
import { applyChanges } from './apply.js';
import { type Layouts, verifyTables } from './catalog.js';
import { SqlConfig } from './config.js';
import { Database } from './connection.js';
import { sqlError } from './errors.js';
import { readTables } from './read.js';
import { planTables } from './tables.js';

export { SqlConfig } from './config.js';

function openSession(cfg: SqlConfig, ctx: TargetContext): TargetSession {
  // Mapping mistakes are refused now; the tables are checked at first use (no socket at open).
  const plans = planTables(cfg, ctx.attributes);
  const db = new Database(cfg);
  let layouts: Layouts | null = null;
  const verified = async (client: pg.ClientBase) => {
    layouts ??= await verifyTables(client, cfg, plans, db.where).catch((e: unknown) => {
      throw sqlError(e, `check the tables in ${db.where}`, db.scrub);
    });
    return layouts;
  };
  const tableNames = () => [...plans.values()].map((p) => `${cfg.schema}.${p.config.table}`).join(', ');

  return {
    check: async () => {
      try {
        const user = await db.withClient(async (client) => {
          const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
          await verified(client);
          return rows[0]!.user;
        });
        return { ok: true, message: `connected to ${db.where} as ${user}; ${tableNames()} as configured` };
      } catch (e) {
        return { ok: false, message: sqlError(e, `check ${db.where}`, db.scrub).message };
      }
    },
    read: async (types) => {
      const started = Date.now();
      const objects = await db
        .withClient(async (client) => readTables(client, await verified(client), types, ctx.links))
        .catch((e: unknown) => {
          throw sqlError(e, `read ${tableNames()}`, db.scrub);
        });
      ctx.logger.info({ objects: objects.length, ms: Date.now() - started }, 'read SQL tables');
      return objects;
    },
    apply: async (changes, { signal }) => {
      const started = Date.now();
      const results = await db.withClient(async (client) =>
        applyChanges(client, await verified(client), changes, {
          signal,
          chunkSize: cfg.chunkSize,
          scrub: db.scrub,
        }),
      );
      const count = (s: string) => results.filter((r) => r.status === s).length;
      ctx.logger.info(
        {
          applied: count('applied'),
          failed: count('failed'),
          skipped: count('skipped'),
          ms: Date.now() - started,
        },
        'applied to SQL tables in one transaction',
      );
      return results;
    },
    close: () => db.close(),
  };
}

export const sqlTarget = defineTarget({
  name: 'sql',
  description:
    'PostgreSQL tables: units, persons and positions upserted into configured columns, one transaction',
  configSchema: SqlConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person', 'position'],
  // The whole change set in one apply(): one transaction, multi-row statements.
  batch: 'all',
  // Typed columns convert: '42' written to an integer column reads back as 42, and 42
  // written to a text column as '42'. Compared as text, neither is a change.
  textValues: true,
  open: (config: SqlConfig, ctx: TargetContext): TargetSession => openSession(config, ctx),
});
