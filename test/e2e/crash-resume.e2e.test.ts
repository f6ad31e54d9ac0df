/**
 * Kill the process (SIGKILL) at random points of an apply, again and again, then let a
 * run finish: nothing may be lost (the second plan is empty) and nothing applied twice
 * (each object created exactly once in the target's ledger). Covers a target that can
 * read its state and one that cannot and must rely on orgsync's pending records.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { readLedger } from '../support/ledger-target.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

/** Deterministic kill delays, so a failure can be reproduced. */
function* delays(seed: number) {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    yield 300 + (s % 2500);
  }
}

describe('crash and resume', () => {
  it('loses nothing and applies nothing twice when killed mid-apply', async () => {
    const ws = await makeWorkspace({ persons: 400, asOf: '2026-11-22' });
    const readable = join(ws.dir, 'readable.jsonl');
    const blind = join(ws.dir, 'blind.jsonl');
    const config = ws.writeConfig([
      ledgerTargetConfig('readable', readable, true),
      ledgerTargetConfig('blind', blind, false),
    ]);
    const args = ['run', '--config', config, '--as-of', '2026-11-22'];
    const env = { LEDGER_DELAY_MS: '2' };

    let kills = 0;
    const gen = delays(42);
    for (let i = 0; i < 6; i++) {
      const { child, done } = startCli(args, env);
      const timer = setTimeout(() => child.kill('SIGKILL'), gen.next().value as number);
      const r = await done;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') kills++;
      else expect(r.code, r.stderr).toBe(0);
    }
    expect(kills).toBeGreaterThan(0);

    const final = await runCli(args, env);
    expect(final.code, final.stderr).toBe(0);
    const plan = await runCli(
      ['plan', '--config', config, '--as-of', '2026-11-22', '--detailed-exitcode'],
      env,
    );
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes');

    for (const file of [readable, blind]) {
      // HR did not change between the runs: anything but one create per object was applied twice.
      const actions = new Set(readLedger(file).map((l) => l.action));
      expect([...actions], `${file}: actions`).toEqual(['create']);
      const creates = new Map<string, number>();
      for (const l of readLedger(file))
        if (l.action === 'create')
          creates.set(`${l.type}:${l.key}`, (creates.get(`${l.type}:${l.key}`) ?? 0) + 1);
      const twice = [...creates].filter(([, n]) => n > 1).map(([k]) => k);
      expect(twice, `${file}: created more than once`).toEqual([]);
      expect(creates.size).toBeGreaterThan(400);
    }
  }, 180_000);
});
