/**
 * Delta runs through the CLI, as an operator (or the intraday schedule) runs them: after a
 * full run has left the state mirroring a target, `--mode delta` plans from the state
 * without reading the target. HR's changes go through; a hand edit in the target is not
 * seen until the next full run. Before any full run a delta run reads the target, and
 * says so in the log. And a target locked by another run is left alone with exit 7.
 *
 * The ledger target does not count its reads, so whether a run read it is told by the
 * log line loadCurrent writes when a delta run falls back to reading, and by results that
 * only a read (or only the state) could give.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { openStateStore } from '../../src/state/open.js';
import { type CliResult, runCli } from '../support/cli.js';
import { type LedgerLine, ledgerState, readLedger } from '../support/ledger-target.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

const DAY1 = '2026-11-22';
const DAY2 = '2026-11-23';
const DAY3 = '2026-11-24';
const FALLBACK = 'delta run reads the target';
const INFO = { ORGSYNC_LOG_LEVEL: 'info' };

const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** A workspace with one readable ledger target, 40 persons. */
async function ledgerWorkspace(days: number) {
  const ws = await makeWorkspace({
    persons: 40,
    asOf: DAY1,
    days,
    seed: 3,
    rates: { hires: 0.05, leavers: 0.05, moves: 0.05, renames: 0.05 },
  });
  const ledger = join(ws.dir, 'ledger.jsonl');
  const targets = [ledgerTargetConfig('ledger', ledger, true)];
  const config = ws.writeConfig(targets);
  return { ws, ledger, targets, config };
}

/**
 * A full run on day 1, then HR's day 2 carried by `run --mode delta`, then a full plan:
 * shared by the tests that need a target a full run has recorded. Day 3 is left parked.
 */
let days: ReturnType<typeof runHrDays> | undefined;
const hrDays = () => {
  days ??= runHrDays();
  return days;
};
async function runHrDays() {
  const { ws, ledger, config } = await ledgerWorkspace(2);
  // Days 2 and 3 are held back until HR "drops" them.
  const parked = join(ws.dir, 'parked');
  mkdirSync(parked);
  renameSync(ws.files[1]!, join(parked, 'day2.xml'));
  renameSync(ws.files[2]!, join(parked, 'day3.xml'));

  const full = await runCli(['run', '--config', config, '--as-of', DAY1]);
  const afterFull = readLedger(ledger).length;
  renameSync(join(parked, 'day2.xml'), ws.files[1]!);
  const run = await runCli(['run', '--config', config, '--as-of', DAY2, '--mode', 'delta'], INFO);
  const applied = readLedger(ledger).slice(afterFull);
  const check = await runCli(['plan', '--config', config, '--as-of', DAY2, '--detailed-exitcode']);
  return { ws, config, parked, full, run, applied, check };
}

/** Takes `target:<name>` in a workspace's state file for a run of another host, for a day. */
async function lockElsewhere(statePath: string, target: string, runId: string) {
  const store = await openStateStore({ kind: 'sqlite', path: statePath });
  try {
    const now = Date.now();
    const r = await store.acquireLock(
      { name: `target:${target}`, runId, holder: 'elsewhere:4242:0ther000', host: 'elsewhere', pid: 4242 },
      { now: new Date(now).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString() },
    );
    expect(r.acquired).toBe(true);
  } finally {
    await store.close();
  }
}

async function storeOf(statePath: string) {
  const store = await openStateStore({ kind: 'sqlite', path: statePath });
  try {
    return { runs: await store.listRuns(5), locks: await store.listLocks() };
  } finally {
    await store.close();
  }
}

/** One `orgsync run` against a workspace whose only target is locked elsewhere; shared by the tests below. */
let allBusy: Promise<{ r: CliResult; ledger: string; statePath: string }> | undefined;
const runAllBusy = () => {
  allBusy ??= (async () => {
    const { ws, ledger, config } = await ledgerWorkspace(0);
    const statePath = join(ws.dir, 'state.db');
    await lockElsewhere(statePath, 'ledger', 'run-of-another-host-1');
    const r = await runCli(['run', '--config', config, '--as-of', DAY1]);
    return { r, ledger, statePath };
  })();
  return allBusy;
};

// One concurrent suite: each CLI call costs seconds of start-up, so the scenarios overlap.
describe.concurrent('delta runs and busy targets', () => {
  describe('orgsync plan/run --mode delta', () => {
    it('carries HR changes in a delta run, without reading the target; a full plan then finds nothing to do', async () => {
      const { full, run, check, applied } = await hrDays();
      expect(full.code, show(full)).toBe(EXIT.ok);
      expect(run.code, show(run)).toBe(EXIT.ok);
      expect(run.stderr).toContain('read OPUS export'); // the info log is on: a fallback would show
      expect(run.stderr).not.toContain(FALLBACK);
      expect(applied.length, 'the delta run applied HR changes').toBeGreaterThan(0);
      expect(run.stdout).toContain(`ledger: applied (${applied.length} applied, 0 failed, 0 skipped)`);
      expect(new Set(applied.map((l) => l.runId)).size).toBe(1);

      // A full plan reads the target: the delta run left nothing undone and nothing extra.
      expect(check.code, show(check)).toBe(EXIT.ok);
      expect(check.stdout).toContain('No changes');
    }, 60_000);

    it('applies with `orgsync apply` a plan saved by `plan --mode delta --out`, when nothing changed since', async () => {
      const { ws, config, parked } = await hrDays();
      renameSync(join(parked, 'day3.xml'), ws.files[2]!);
      const saved = join(ws.dir, 'delta-plan.json');
      const plan = await runCli([
        'plan',
        '--config',
        config,
        '--as-of',
        DAY3,
        '--mode',
        'delta',
        '--out',
        saved,
        '--detailed-exitcode',
      ]);
      expect(plan.code, show(plan)).toBe(EXIT.changes);
      // The day's churn moves or updates someone: changes whose old values a delta plan does not know.
      expect(plan.stdout).toMatch(
        /Plan: \d+ to add, (?:[1-9]\d* to change, \d+ to move|\d+ to change, [1-9]\d* to move)/,
      );
      const apply = await runCli(['apply', '--config', config, saved]);
      expect(apply.code, show(apply)).toBe(EXIT.ok);
    }, 60_000);

    it('plans nothing in delta after a full run, not even a hand edit, which a full plan and a delta plan without a recorded full run both see', async () => {
      const { ws, ledger, targets, config } = await ledgerWorkspace(0);
      const full = await runCli(['run', '--config', config, '--as-of', DAY1]);
      expect(full.code, show(full)).toBe(EXIT.ok);

      // Someone edits a person's title in the target by hand.
      const person = [...ledgerState(readLedger(ledger)).values()].find(
        (o) => o.type === 'person' && !o.disabled,
      )!;
      const edit: LedgerLine = {
        runId: 'by-hand',
        changeId: 'by-hand-1',
        action: 'update',
        type: 'person',
        key: person.key,
        parentKey: person.parentKey,
        attrs: { title: 'Edited by hand' },
      };
      appendFileSync(ledger, JSON.stringify(edit) + '\n');
      expect(ledgerState(readLedger(ledger)).get(`person:${person.key}`)?.attrs?.['title']).toBe(
        'Edited by hand',
      );

      // Delta: planned from what the full run recorded, the target unread. Nothing to do.
      const delta = await runCli(
        ['plan', '--config', config, '--as-of', DAY1, '--mode', 'delta', '--detailed-exitcode'],
        INFO,
      );
      expect(delta.code, show(delta)).toBe(EXIT.ok);
      expect(delta.stdout).toContain('No changes');
      expect(delta.stderr).toContain('read OPUS export'); // the info log is on: a fallback would show
      expect(delta.stderr).not.toContain(FALLBACK);

      // Full: reads the target and puts the title back.
      const fullPlan = await runCli(['plan', '--config', config, '--as-of', DAY1, '--detailed-exitcode']);
      expect(fullPlan.code, show(fullPlan)).toBe(EXIT.changes);
      expect(fullPlan.stdout).toContain(`~ person ${person.key}`);
      expect(fullPlan.stdout).toContain('"Edited by hand" ->');
      expect(fullPlan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to move');

      // The same target with a state store no full run has recorded it in: a delta plan falls
      // back to reading it, says so, and so finds the hand edit (and not 40-odd creates, which
      // is what the empty store would give).
      const freshConfig = join(ws.dir, 'fresh.yaml');
      ws.writeConfig(targets, { state: { kind: 'sqlite', path: join(ws.dir, 'fresh-state.db') } });
      copyFileSync(config, freshConfig);
      ws.writeConfig(targets);
      const fallback = await runCli(
        ['plan', '--config', freshConfig, '--as-of', DAY1, '--mode', 'delta', '--detailed-exitcode'],
        INFO,
      );
      expect(fallback.code, show(fallback)).toBe(EXIT.changes);
      expect(fallback.stdout).toContain(`~ person ${person.key}`);
      expect(fallback.stdout).toContain('Plan: 0 to add, 1 to change, 0 to move');
      const logged = fallback.stderr
        .split('\n')
        .filter((l) => l.includes(FALLBACK))
        .map((l) => JSON.parse(l) as { target: string; level: number });
      expect(logged).toEqual([expect.objectContaining({ target: 'ledger', level: 30 })]);
    }, 60_000);
  });

  describe('orgsync run and a target locked by another run', () => {
    it('exits 7 naming the other run, and writes nothing, when its only target is locked', async () => {
      const { r, ledger, statePath } = await runAllBusy();
      expect(r.code, show(r)).toBe(EXIT.busy);
      expect(r.stdout + r.stderr).toContain('run-of-another-host-1');
      expect(r.stderr).toContain('ORGSYNC_TARGET_BUSY');
      expect(existsSync(ledger)).toBe(false);
      const { locks } = await storeOf(statePath);
      expect(locks).toEqual([
        expect.objectContaining({ name: 'target:ledger', runId: 'run-of-another-host-1' }),
      ]);
    }, 60_000);

    it('records that run as busy, the status the state store has for it', async () => {
      const { statePath } = await runAllBusy();
      const { runs } = await storeOf(statePath);
      expect(runs[0]).toMatchObject({ command: 'run', status: 'busy' });
    }, 60_000);

    it('applies the free target and exits 7 when one of two is locked', async () => {
      const ws = await makeWorkspace({ persons: 40, asOf: DAY1, seed: 4 });
      const locked = join(ws.dir, 'locked.jsonl');
      const free = join(ws.dir, 'free.jsonl');
      const config = ws.writeConfig([
        ledgerTargetConfig('locked', locked, true),
        ledgerTargetConfig('free', free, true),
      ]);
      const statePath = join(ws.dir, 'state.db');
      await lockElsewhere(statePath, 'locked', 'run-of-another-host-2');

      const r = await runCli(['run', '--config', config, '--as-of', DAY1]);
      expect(r.code, show(r)).toBe(EXIT.busy);
      expect(r.stdout).toContain('locked: busy, left alone (locked by run run-of-another-host-2');
      expect(r.stdout).toMatch(/free: applied \(\d+ applied, 0 failed, 0 skipped\)/);
      expect(existsSync(locked)).toBe(false);
      expect(readLedger(free).length).toBeGreaterThan(40);

      const { runs, locks } = await storeOf(statePath);
      // The free target's lock was given back; the other run's is untouched.
      expect(locks).toEqual([
        expect.objectContaining({ name: 'target:locked', runId: 'run-of-another-host-2' }),
      ]);
      expect(runs[0]).toMatchObject({
        command: 'run',
        summary: { busy: [expect.objectContaining({ target: 'locked', runId: 'run-of-another-host-2' })] },
      });
    }, 60_000);
  });
});
