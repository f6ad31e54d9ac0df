import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgsyncError } from '../../src/errors.js';
import { MIGRATIONS } from '../../src/state/migrations.js';
import { DEFAULT_SQLITE_PATH, openStateStore, StateConfig } from '../../src/state/open.js';
import { openSqliteStore } from '../../src/state/sqlite.js';
import { describeStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'orgsync-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A nested path: opening creates the missing directories.
const dbPath = join(dir, 'nested', 'state.db');
describeStoreContract('sqlite', () => openSqliteStore(dbPath));

describe('sqlite store', () => {
  it('uses WAL and keeps the audit trail append-only', async () => {
    const path = join(dir, 'pragmas.db');
    const store = await openSqliteStore(path);
    await store.migrate();
    const c = {
      id: 't:unit:u-1',
      action: 'create' as const,
      type: 'unit' as const,
      key: 'u-1',
      parentKey: null,
      attrs: [],
      reason: 'new',
      after: [],
    };
    await store.recordResult('r', 't', c, { changeId: c.id, status: 'applied' }, undefined);
    await store.close();

    const db = new Database(path);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(() => db.prepare("UPDATE audit SET status = 'failed'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
      const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all();
      expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
  });

  it('refuses a state file written by a newer orgsync', async () => {
    const path = join(dir, 'newer.db');
    const store = await openSqliteStore(path);
    await store.migrate();
    await store.close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (999, 'future', '2999-01-01T00:00:00.000Z')").run();
    db.close();
    const again = await openSqliteStore(path);
    try {
      await expect(again.migrate()).rejects.toMatchObject({ code: 'ORGSYNC_STATE_UNAVAILABLE' });
    } finally {
      await again.close();
    }
  });

  it('reports a file it cannot open as ORGSYNC_STATE_UNAVAILABLE naming the file', async () => {
    const notADir = join(dir, 'plain-file');
    writeFileSync(notADir, 'x');
    const path = join(notADir, 'state.db');
    const err = await openStateStore({ kind: 'sqlite', path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgsyncError);
    expect(err).toMatchObject({ code: 'ORGSYNC_STATE_UNAVAILABLE' });
    expect((err as Error).message).toContain(path);

    const garbage = join(dir, 'garbage.db');
    writeFileSync(
      garbage,
      'this is not a database, just text that is long enough to have a header'.repeat(20),
    );
    await expect(openStateStore({ kind: 'sqlite', path: garbage })).rejects.toMatchObject({
      code: 'ORGSYNC_STATE_UNAVAILABLE',
      message: expect.stringContaining(garbage),
    });
  });

  it('opens from configuration, with the default path when none is given', async () => {
    expect(StateConfig.parse({ kind: 'sqlite' })).toEqual({ kind: 'sqlite', path: DEFAULT_SQLITE_PATH });
    const config = StateConfig.parse({ kind: 'sqlite', path: join(dir, 'config.db') });
    const store = await openStateStore(config);
    try {
      await store.setMeta('k', 'v');
      expect(await store.getMeta('k')).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('loses no acknowledged result when the process is killed with SIGKILL', async () => {
    const path = join(dir, 'killed.db');
    const fixture = fileURLToPath(new URL('./fixtures/record-until-killed.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );

    // Collect acknowledgements; kill the instant the 50th arrives, mid-stream.
    const acked: string[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 50 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      void exited.then((how) => reject(new Error(`child exited (${String(how)}) early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const store = await openSqliteStore(path);
    try {
      await store.migrate();
      const objects = new Set((await store.loadObjects('t')).map((o) => o.key));
      for (const key of acked) expect(objects.has(key)).toBe(true);
      // Each result went in whole or not at all: an audit row for every object, and no
      // pending row left for a recorded change (at most the one in flight at the kill).
      const audit = await store.listAudit({ runId: 'killed-run' });
      expect(new Set(audit.map((a) => a.key))).toEqual(objects);
      const pending = await store.listPending('t');
      expect(pending.length).toBeLessThanOrEqual(1);
      for (const p of pending) expect(objects.has(p.change.key)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
