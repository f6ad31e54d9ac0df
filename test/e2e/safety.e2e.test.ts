/**
 * What operations rely on, through the real CLI: exit codes, a second plan that is empty,
 * thresholds that block one target while the others go on, explicit approval, saved plans
 * that are refused when stale, and HR exports that are refused before any target is touched.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { readLedger } from '../support/ledger-target.js';
import { ledgerTargetConfig, makeWorkspace, type Workspace } from '../support/workspace.js';

const AS_OF = '2026-11-22';

describe('operating orgsync', () => {
  let ws: Workspace & { files: string[] };
  let a: string;
  let b: string;
  let config: string;
  const cli = (...args: string[]) => runCli([...args, '--config', config]);
  /** The newest export file in the HR directory, and its text (to damage, then restore). */
  const latestExport = () => {
    const name = readdirSync(ws.hrDir)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .pop()!;
    const path = join(ws.hrDir, name);
    return { path, full: readFileSync(path, 'utf8') };
  };

  beforeAll(async () => {
    ws = await makeWorkspace({ persons: 300, asOf: AS_OF, days: 1 });
    a = join(ws.dir, 'a.jsonl');
    b = join(ws.dir, 'b.jsonl');
    // Day 0 only for now: move day 1 aside.
    const day1 = ws.files[1]!;
    writeFileSync(`${day1}.later`, readFileSync(day1));
    rmSync(day1);
    config = ws.writeConfig([
      ledgerTargetConfig('a', a, true),
      ledgerTargetConfig('b', b, false, { safety: { maxRemovals: 0, maxRemovalShare: 0.5 } }),
    ]);
  }, 60_000);

  it('plans with exit 2, applies, then plans nothing with exit 0', async () => {
    const plan = await cli('plan', '--as-of', AS_OF, '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/Plan: \d+ to add, 0 to change/);
    const run = await cli('run', '--as-of', AS_OF);
    expect(run.code, run.stderr).toBe(0);
    const again = await cli('plan', '--as-of', AS_OF, '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout.match(/No changes/g)).toHaveLength(2);
  });

  it('blocks a target over its removal threshold while the other goes on, until approved', async () => {
    const day1 = ws.files[1]!;
    writeFileSync(day1, readFileSync(`${day1}.later`));
    const asOf = '2026-11-23';
    const run = await cli('run', '--as-of', asOf);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toMatch(/BLOCKED/);
    expect(run.stdout).toMatch(/b: blocked/);
    expect(run.stdout).toMatch(/a: applied/);
    const before = readLedger(b).length;
    // an approval lets it through
    const approved = await cli('run', '--as-of', asOf, '--approve', 'b');
    expect(approved.code, approved.stdout + approved.stderr).toBe(0);
    expect(readLedger(b).length).toBeGreaterThan(before);
    const empty = await cli('plan', '--as-of', asOf, '--detailed-exitcode');
    expect(empty.code).toBe(0);
  });

  it('applies a saved plan exactly, and refuses it once the target changed', async () => {
    const asOf = '2026-12-01'; // future-dated facts of the export take effect
    const planFile = join(ws.dir, 'plan.json');
    const plan = await cli('plan', '--as-of', asOf, '--out', planFile, '--approve', 'a,b');
    expect(plan.code, plan.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(saved.formatVersion).toBe(1);
    expect((statSync(planFile).mode & 0o777).toString(8)).toBe('600');
    // Somebody edits the saved plan before it is applied: refused, nothing applied.
    const edited = join(ws.dir, 'edited.json');
    const doc = JSON.parse(readFileSync(planFile, 'utf8'));
    const target = doc.targets.find((t: { changes: unknown[] }) => t.changes.length > 0);
    target.changes.pop();
    writeFileSync(edited, JSON.stringify(doc));
    const before = readLedger(a).length;
    const refused = await cli('apply', edited, '--approve', 'a,b');
    expect(refused.code, refused.stderr).toBe(64);
    expect(refused.stderr).toMatch(/ORGSYNC_PLAN_INVALID.*edited/);
    expect(readLedger(a).length).toBe(before);
    // Somebody else applies first: the saved plan is now stale for the targets.
    const other = await cli('run', '--as-of', asOf, '--approve', 'a,b');
    expect(other.code, other.stderr).toBe(0);
    const stale = await cli('apply', planFile);
    const planned = saved.targets.flatMap((t: { summary: Record<string, number> }) =>
      Object.values(t.summary),
    );
    expect(
      planned.some((n: number) => n > 0),
      'the month change brings future-dated facts into force',
    ).toBe(true);
    expect(stale.code, stale.stderr).toBe(6);
    expect(stale.stderr).toMatch(/ORGSYNC_PLAN_STALE/);
    // A fresh plan applies.
    const fresh = join(ws.dir, 'fresh.json');
    const replan = await cli('plan', '--as-of', asOf, '--out', fresh, '--approve', 'a,b');
    expect(replan.code, replan.stderr).toBe(0);
    const applied = await cli('apply', fresh, '--approve', 'a,b');
    expect(applied.code, applied.stderr).toBe(0);
  });

  it('refuses a truncated export and a shrunken one before touching any target', async () => {
    const ledgerBefore = [readLedger(a).length, readLedger(b).length];
    const { path, full } = latestExport();
    writeFileSync(path, full.slice(0, Math.floor(full.length / 2)));
    const truncated = await cli('run', '--as-of', '2026-12-01');
    expect(truncated.code).toBe(4);
    expect(truncated.stderr).toMatch(/ORGSYNC_SOURCE_MALFORMED/);
    // Cut the export at an element boundary: well-formed, but a third of the employees are gone.
    const cut = full.lastIndexOf('<employee ', Math.floor(full.length * 0.6));
    writeFileSync(path, full.slice(0, cut) + '</kmd>\n');
    const shrunk = await cli('run', '--as-of', '2026-12-01');
    expect(shrunk.code, shrunk.stderr).toBe(4);
    expect(shrunk.stderr).toMatch(/ORGSYNC_SNAPSHOT_SHRANK/);
    expect(shrunk.stderr).toMatch(/--accept-shrink/);
    expect([readLedger(a).length, readLedger(b).length]).toEqual(ledgerBefore);
    writeFileSync(path, full);
  });

  it('refuses a damaged hierarchy and names the units', async () => {
    const { path, full } = latestExport();
    // Make the root the child of one of its descendants: a cycle.
    const ids = [
      ...full.matchAll(
        /<orgUnit id="([^"]+)"[^>]*>\s*<startDate>[^<]*<\/startDate>\s*<endDate>[^<]*<\/endDate>\s*<parentOrgUnit\/>/g,
      ),
    ];
    expect(ids.length).toBe(1);
    const rootId = ids[0]![1]!;
    const child = [
      ...full.matchAll(
        new RegExp(`<orgUnit id="([^"]+)"[\\s\\S]*?<parentOrgUnit>${rootId}</parentOrgUnit>`, 'g'),
      ),
    ][0]![1]!;
    writeFileSync(
      path,
      full.replace(
        ids[0]![0],
        ids[0]![0].replace('<parentOrgUnit/>', `<parentOrgUnit>${child}</parentOrgUnit>`),
      ),
    );
    const r = await cli('validate', '--as-of', '2026-12-01');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ORGSYNC_SNAPSHOT_STRUCTURE/);
    expect(r.stderr).toContain(rootId);
    writeFileSync(path, full);
  });

  it('leaves what targets hold for quarantined records alone, and says so', async () => {
    const { path, full } = latestExport();
    // Point one leaf-level unit at a parent that does not exist: it and its people are quarantined.
    const leaf = [
      ...full.matchAll(/<orgUnit id="([^"]+)"[^>]*>[\s\S]*?<parentOrgUnit>([^<]+)<\/parentOrgUnit>/g),
    ].pop()!;
    writeFileSync(
      path,
      full.replace(
        leaf[0],
        leaf[0].replace(
          `<parentOrgUnit>${leaf[2]}</parentOrgUnit>`,
          '<parentOrgUnit>no-such-unit</parentOrgUnit>',
        ),
      ),
    );
    const before = readLedger(a).length;
    const r = await cli('run', '--as-of', '2026-12-01', '--approve', 'a,b');
    writeFileSync(path, full);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`unit ${leaf[1]}: parent unit no-such-unit does not exist`);
    expect(r.stdout).toMatch(/objects left as they are: their HR records are quarantined/);
    const removed = readLedger(a)
      .slice(before)
      .filter((l) => l.action === 'disable' || l.action === 'delete');
    expect(removed).toEqual([]);
  });

  it('goes on with the other targets when one cannot be reached, and exits 5', async () => {
    const broken = join(ws.dir, 'broken.yaml');
    const cfg = readFileSync(config, 'utf8');
    // A CSV target whose directory (a missing mount) does not exist, beside the ledger targets.
    writeFileSync(
      broken,
      cfg.replace(
        'targets:\n',
        `targets:\n  - name: missing-mount\n    connector: csv-export\n    config: { directory: ${join(ws.dir, 'no-such-dir')} }\n    objects: { unit: { attributes: { name: '\${unit.name}' } } }\n`,
      ),
    );
    const r = await runCli(['run', '--config', broken, '--as-of', '2026-12-01', '--approve', 'a,b']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toMatch(/missing-mount: error/);
    expect(r.stdout).toMatch(/\n {2}a: (applied|unchanged)/);
  });

  it('explains a broken configuration by path and exits 64', async () => {
    const bad = join(ws.dir, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync(config, 'utf8')
        .replace('concurrency: 4', 'concurrency: -1')
        .replace('${unit.name}', '${unit.nmae}'),
    );
    const r = await runCli(['plan', '--config', bad]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/targets\[0\]\.concurrency/);
    const r2 = await runCli(['plan', '--config', join(ws.dir, 'missing.yaml')]);
    expect(r2.code).toBe(64);
    expect(r2.stderr).toMatch(/ORGSYNC_CONFIG_NOT_FOUND/);
  });

  it('keeps CPR numbers out of plans, logs, state and history', async () => {
    const xml = readFileSync(
      join(
        ws.hrDir,
        readdirSync(ws.hrDir)
          .filter((f) => f.endsWith('.xml'))
          .sort()[0]!,
      ),
      'utf8',
    );
    const cprs = [...xml.matchAll(/<cpr[^>]*>(\d{10})<\/cpr>/g)].map((m) => m[1]!).slice(0, 50);
    expect(cprs.length).toBe(50);
    const outputs = [
      await cli('plan', '--as-of', AS_OF, '--json', '--log-level', 'debug'),
      await cli('history', '--json'),
      await cli('validate', '--as-of', AS_OF, '--json'),
    ];
    const state = readFileSync(join(ws.dir, 'state.db')).toString('latin1');
    for (const text of [...outputs.map((o) => o.stdout + o.stderr), state]) {
      for (const cpr of cprs) expect(text.includes(cpr)).toBe(false);
    }
  });
});
