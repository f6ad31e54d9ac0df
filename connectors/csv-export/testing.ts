/** Helpers for the file-target tests (csv-export, json-export): contexts and changes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/logger.js';
import type { ApplyContext, ConnectorContext } from '../../src/sdk/connector.js';
import type { Attrs, Change, ObjectType } from '../../src/sdk/types.js';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `orgsync-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const testContext = (workDir: string): ConnectorContext => ({
  instance: 'test',
  logger: silentLogger(),
  workDir,
});

/** What the executor passes to apply(): a run id and a signal that is not aborted. */
export const applyContext = (runId = 'run-1'): ApplyContext => ({
  runId,
  signal: new AbortController().signal,
});

const base = (action: Change['action'], type: ObjectType, key: string, parentKey: string | null) => ({
  id: `test:${type}:${key}`,
  action,
  type,
  key,
  parentKey,
  reason: 'test',
  after: [] as string[],
});

/** A create with every attribute, as the engine plans it. */
export const create = (type: ObjectType, key: string, parentKey: string | null, attrs: Attrs): Change => ({
  ...base('create', type, key, parentKey),
  attrs: Object.entries(attrs).map(([name, v]) => ({ name, new: v })),
});

export const update = (
  type: ObjectType,
  key: string,
  parentKey: string | null,
  attrs: Attrs,
  extra: Partial<Change> = {},
): Change => ({
  ...base('update', type, key, parentKey),
  attrs: Object.entries(attrs).map(([name, v]) => ({ name, new: v })),
  ...extra,
});

export const remove = (
  action: 'disable' | 'delete',
  type: ObjectType,
  key: string,
  parentKey: string | null,
) => ({
  ...base(action, type, key, parentKey),
  attrs: [],
});
