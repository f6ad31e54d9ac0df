import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetSession } from '../../src/sdk/connector.js';
import { applyContext, create, remove, tempDir, testContext, update } from '../csv-export/testing.js';
import { EXPORT_FILE, JsonExportConfig, jsonExportTarget } from './index.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('json-export')));
afterEach(() => cleanup());

const open = async (): Promise<TargetSession> =>
  jsonExportTarget.open(JsonExportConfig.parse({ directory: dir }), testContext(dir));

const INITIAL = [
  create('unit', 'u1', null, { name: 'Kommune', level: 1, tags: ['a', '=b'], closed: false, phone: null }),
  create('unit', '__proto__', 'u1', { name: "=cmd|' /C calc'!A0" }),
  create('person', 'p-1', null, { givenName: 'Søren', surname: 'Ærø' }),
  create('position', 'pos1', 'u1', { title: 'Lærer', fraction: 0.5, manager: true }),
];

describe('json-export', () => {
  it('declares what the engine needs', () => {
    expect(jsonExportTarget.batch).toBe('all');
    expect(jsonExportTarget.capabilities).toMatchObject({
      create: true,
      update: true,
      move: true,
      disable: true,
      delete: true,
      read: true,
    });
  });

  it('writes the documented format', async () => {
    await (await open()).apply(INITIAL, applyContext());
    const file = JSON.parse(await readFile(join(dir, EXPORT_FILE), 'utf8'));
    expect(file.formatVersion).toBe(1);
    expect(Number.isNaN(Date.parse(file.generatedAt))).toBe(false);
    expect(Object.keys(file.objects)).toEqual(['unit', 'person', 'position']);
    expect(file.objects.unit.u1).toEqual({
      parentKey: null,
      active: true,
      attrs: { name: 'Kommune', level: 1, tags: ['a', '=b'], closed: false, phone: null },
    });
    expect(file.objects.position.pos1).toEqual({
      parentKey: 'u1',
      active: true,
      attrs: { title: 'Lærer', fraction: 0.5, manager: true },
    });
    expect(await readdir(dir)).toEqual([EXPORT_FILE]);
  });

  it('reads back exactly what it wrote', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    expect(await s.read!(['unit', 'person', 'position'])).toEqual(
      INITIAL.map((c) => ({
        type: c.type,
        key: c.key,
        parentKey: c.parentKey,
        attrs: Object.fromEntries(c.attrs.map((a) => [a.name, a.new])),
        disabled: false,
      })),
    );
  });

  it('updates, moves, disables and deletes', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    const results = await s.apply(
      [
        update('unit', 'u1', null, { level: 2, tags: [] }),
        update('position', 'pos1', '__proto__', {}, { action: 'move', oldParentKey: 'u1' }),
        remove('disable', 'person', 'p-1', null),
        remove('delete', 'unit', '__proto__', 'u1'),
        update('unit', 'missing', null, { name: 'x' }),
      ],
      applyContext(),
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'failed']);
    const read = await s.read!(['unit', 'person', 'position']);
    expect(read.map((o) => [o.key, o.parentKey, o.disabled])).toEqual([
      ['u1', null, false],
      ['p-1', null, true],
      ['pos1', '__proto__', false],
    ]);
    expect(read[0]?.attrs).toMatchObject({ level: 2, tags: [] });
  });

  it('starts empty and refuses a file it did not write', async () => {
    const s = await open();
    expect(await s.read!(['unit'])).toEqual([]);
    await writeFile(join(dir, EXPORT_FILE), '{"formatVersion": 2}');
    await expect(s.read!(['unit'])).rejects.toMatchObject({ name: 'ConnectorError', kind: 'conflict' });
    await expect(s.apply(INITIAL, applyContext())).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('does not rewrite the file when nothing was applied', async () => {
    const s = await open();
    const results = await s.apply([update('unit', 'missing', null, { name: 'x' })], applyContext());
    expect(results[0]).toMatchObject({ status: 'failed', errorKind: 'not-found' });
    expect(await readdir(dir)).toEqual([]);
  });
});
