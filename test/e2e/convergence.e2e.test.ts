/**
 * Convergence, Terraform's acceptance habit: after every apply a second plan must be
 * empty, for every bundled target connector, on the first day and through days of churn
 * (hires, leavers, moves, renames, unit moves and closures, future-dated facts).
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { syncAndReplan } from '../support/engine.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

const unitAttrs = {
  name: '${unit.name}',
  short: '${unit.shortName}',
  manager: '${manager.key}',
  depth: '${unit.depth}',
};
const personAttrs = {
  name: '${person.givenName} ${person.surname}',
  mail: '${person.email | lower}',
  title: '${position.title}',
  fraction: '${position.fraction}',
  manager: '${manager.key}',
};
const positionAttrs = {
  title: '${position.title}',
  primary: '${position.primary}',
  person: '${person.key}',
  fraction: '${position.fraction}',
};
const objects = {
  unit: { attributes: unitAttrs },
  person: { attributes: personAttrs },
  position: { attributes: positionAttrs },
};

describe('a second plan after apply is empty, for every target connector', () => {
  it('csv-export (full and delta), json-export and a target without read, over four days of churn', async () => {
    const start = '2026-11-27';
    const ws = await makeWorkspace({ persons: 600, asOf: start, days: 3, seed: 5 });
    for (const d of ['csv-full', 'csv-delta', 'json']) mkdirSync(join(ws.dir, d));
    const safety = { maxRemovals: 10_000, maxRemovalShare: 1 };
    const config = ws.writeConfig([
      {
        name: 'csv-full',
        connector: 'csv-export',
        config: { directory: join(ws.dir, 'csv-full') },
        objects,
        onRemove: 'disable',
        safety,
      },
      {
        name: 'csv-delta',
        connector: 'csv-export',
        config: { directory: join(ws.dir, 'csv-delta'), mode: 'delta' },
        objects,
        onRemove: 'delete',
        safety,
      },
      {
        name: 'json',
        connector: 'json-export',
        config: { directory: join(ws.dir, 'json') },
        objects,
        onRemove: { unit: 'delete', person: 'disable', position: 'delete' },
        safety,
      },
      ledgerTargetConfig('blind', join(ws.dir, 'blind.jsonl'), false, { objects, safety }),
    ]);
    // The export directory holds one file per day; reveal them one at a time, as OPUS drops them.
    const files = readdirSync(ws.hrDir).sort();
    expect(files).toHaveLength(4);
    const parked = join(ws.dir, 'parked');
    mkdirSync(parked);
    for (const f of files.slice(1)) renameSync(join(ws.hrDir, f), join(parked, f));

    const days = ['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'];
    for (const [i, day] of days.entries()) {
      if (i > 0) renameSync(join(parked, files[i]!), join(ws.hrDir, files[i]!));
      const r = await syncAndReplan(config, day);
      for (const o of r.outcomes) {
        expect(o.problems, `${o.name} on ${day}`).toEqual([]);
        expect(['applied', 'unchanged'], `${o.name} on ${day}`).toContain(o.status);
      }
      expect(r.secondPlan, `second plan on ${day}`).toEqual({
        'csv-full': 0,
        'csv-delta': 0,
        json: 0,
        blind: 0,
      });
      if (i > 0) {
        const changed = Object.values(r.planned['csv-full']!).reduce((a, b) => a + b, 0);
        expect(changed, `churn on ${day}`).toBeGreaterThan(0);
      }
    }
  }, 120_000);
});

describe('the PostgreSQL state store, end to end', () => {
  it('syncs, converges and resumes with its state in PostgreSQL instead of the SQLite file', async () => {
    const url = process.env['ORGSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `orgsync_e2e_${process.pid}_${Date.now().toString(36)}`;
    const ws = await makeWorkspace({ persons: 200, asOf: '2026-11-22', days: 1, seed: 9 });
    writeFileSync(join(ws.dir, 'pg-url'), url);
    mkdirSync(join(ws.dir, 'json'));
    const config = ws.writeConfig(
      [
        {
          name: 'json',
          connector: 'json-export',
          config: { directory: join(ws.dir, 'json') },
          objects,
          onRemove: 'delete',
          safety: { maxRemovals: 1000, maxRemovalShare: 1 },
        },
      ],
      { state: { kind: 'postgres', url: { file: join(ws.dir, 'pg-url') }, schema } },
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const first = await syncAndReplan(config, '2026-11-22');
      expect(first.secondPlan).toEqual({ json: 0 });
      const next = await syncAndReplan(config, '2026-11-23');
      expect(next.secondPlan).toEqual({ json: 0 });
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${schema}.audit`);
      expect(rows[0].n).toBeGreaterThan(300);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }, 120_000);
});
