/** The CLI's own surface: help on every command, and names it refuses. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

describe('orgsync CLI', () => {
  it('has --help for every command, and lists the exit codes', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['validate', 'plan', 'apply', 'run', 'generate', 'history', 'connectors', 'check']) {
      expect(top.stdout).toContain(cmd);
      const r = await runCli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(/Usage: orgsync/);
    }
    expect(top.stdout).toMatch(/Exit codes: 0 ok/);
  }, 120_000);

  it('refuses unknown target names in --target and --approve, and unknown commands', async () => {
    const ws = await makeWorkspace({ persons: 50, asOf: '2026-11-22' });
    const config = ws.writeConfig([ledgerTargetConfig('a', join(ws.dir, 'a.jsonl'), true)]);
    const t = await runCli(['plan', '--config', config, '--as-of', '2026-11-22', '--target', 'nope']);
    expect(t.code).toBe(64);
    expect(t.stderr).toMatch(/ORGSYNC_TARGET_UNKNOWN.*nope.*configured: a/);
    const a = await runCli(['run', '--config', config, '--as-of', '2026-11-22', '--approve', 'typo']);
    expect(a.code).toBe(64);
    const c = await runCli(['frobnicate']);
    expect(c.code).toBe(64);
    const d = await runCli(['plan', '--config', config, '--as-of', '2026-02-30']);
    expect(d.code).toBe(64);
    expect(d.stderr).toMatch(/--as-of 2026-02-30 is not a date/);
  }, 60_000);

  it('lists connectors with capabilities and their config schemas as JSON Schema', async () => {
    const r = await runCli(['connectors', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; kind: string; configSchema: { type: string } }[];
    expect(list.map((c) => c.name)).toEqual(
      expect.arrayContaining(['opus-xml', 'csv-export', 'json-export', 'csv-hr', 'json-hr', 'ad', 'ldap']),
    );
    expect(list.map((c) => c.name)).toEqual(
      expect.arrayContaining(['fk-organisation', 'sql', 'scim', 'webhook']),
    );
    for (const c of list) expect(c.configSchema.type).toBe('object');
    // With a configuration, the connectors it loads from its own modules are listed too.
    const ws = await makeWorkspace({ persons: 20, asOf: '2026-11-22' });
    const config = ws.writeConfig([ledgerTargetConfig('a', join(ws.dir, 'a.jsonl'), true)]);
    const withModules = await runCli(['connectors', '--config', config]);
    expect(withModules.code, withModules.stderr).toBe(0);
    expect(withModules.stdout).toMatch(/^ledger\s+target/m);
    // ...and in the configuration's JSON Schema, for an editor that checks this installation's files.
    const schema = await runCli(['connectors', '--config-schema', '--config', config]);
    expect(schema.code, schema.stderr).toBe(0);
    const targets = JSON.parse(schema.stdout).properties.targets.items;
    expect(targets.properties.connector.enum).toEqual(expect.arrayContaining(['ledger', 'sql']));
  }, 60_000);
});
