import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PendingChange, TargetSession } from '../../src/sdk/connector.js';
import type { Change } from '../../src/sdk/types.js';
import { CsvExportConfig, csvExportTarget } from './index.js';
import { applyContext, create, remove, tempDir, testContext, update } from './testing.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('csv-delta')));
afterEach(() => cleanup());

const open = async (): Promise<TargetSession> =>
  csvExportTarget.open(
    CsvExportConfig.parse({ directory: dir, mode: 'delta', fileNamePrefix: 'hr-' }),
    testContext(dir),
  );

const csvFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort();
const rows = async (file: string) =>
  parse(await readFile(join(dir, file), 'utf8'), { delimiter: ';', bom: true, columns: true }) as Record<
    string,
    string
  >[];

/** What the engine's state store keeps of a pending change: no values, no label. */
const pendingForm = (c: Change, runId: string): PendingChange => ({
  runId,
  change: { ...c, attrs: c.attrs.map((a) => ({ name: a.name, new: null })) },
});

describe('csv-export, delta mode', () => {
  it('cannot read; it recovers instead', async () => {
    const s = await open();
    expect(s.read).toBeUndefined();
    expect(s.recover).toBeTypeOf('function');
  });

  it('writes new files per apply with an action column and only the changed objects', async () => {
    const s = await open();
    const first = [
      create('unit', 'u1', null, { name: 'Kommune', level: 1 }),
      create('person', 'p-1', null, { givenName: '=Søren' }),
    ];
    expect((await s.apply(first, applyContext())).map((r) => r.status)).toEqual(['applied', 'applied']);
    const second = [
      update('unit', 'u1', 'u0', { level: 2 }, { action: 'move', oldParentKey: null }),
      update('unit', 'u2', null, {}, { enable: true }),
      remove('disable', 'unit', 'u3', 'u1'),
      remove('delete', 'unit', 'u4', null),
    ];
    await s.apply(second, applyContext());

    const files = await csvFiles();
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^hr-(units|persons)-\d{8}T\d{6}Z-\d{4}\.csv$/);
    const [units1, units2] = files.filter((f) => f.startsWith('hr-units'));
    expect(await rows(units1!)).toEqual([
      {
        action: 'create',
        key: 'u1',
        parentKey: '',
        oldParentKey: '',
        active: 'true',
        changed: 'name|level',
        level: '1',
        name: 'Kommune',
      },
    ]);
    expect(await rows(units2!)).toEqual([
      {
        action: 'move',
        key: 'u1',
        parentKey: 'u0',
        oldParentKey: '',
        active: '',
        changed: 'level',
        level: '2',
      },
      {
        action: 'update',
        key: 'u2',
        parentKey: '',
        oldParentKey: '',
        active: 'true',
        changed: '',
        level: '',
      },
      {
        action: 'disable',
        key: 'u3',
        parentKey: 'u1',
        oldParentKey: '',
        active: 'false',
        changed: '',
        level: '',
      },
      { action: 'delete', key: 'u4', parentKey: '', oldParentKey: '', active: '', changed: '', level: '' },
    ]);
    const persons = files.find((f) => f.startsWith('hr-persons'))!;
    expect((await rows(persons))[0]?.['givenName']).toBe("'=Søren");
    // Each delta file has its manifest; nothing else is left behind.
    expect((await readdir(dir)).filter((f) => !f.endsWith('.csv')).sort()).toEqual(
      files.map((f) => `${f}.changes.json`).sort(),
    );
  });

  it('tells which pending changes reached a delta file, by run and change id', async () => {
    const s = await open();
    const earlier = update('person', 'p-1', null, { phone: '1111' });
    await s.apply([earlier], applyContext('run-1'));
    const reached = update('unit', 'u1', null, { name: 'Ny' });
    await s.apply([reached], applyContext('run-2'));
    // run-2 crashed after writing the unit file and before it got to this person change.
    const sameObjectAsEarlier = update('person', 'p-1', null, { phone: '2222' });
    const lost = create('unit', 'u9', null, { name: 'x' });

    const result = await s.recover!([
      pendingForm(reached, 'run-2'),
      pendingForm(sameObjectAsEarlier, 'run-2'),
      pendingForm(lost, 'run-2'),
    ]);
    expect(result).toEqual(
      new Map([
        [reached.id, true],
        // The same change id is in run-1's file, but that was another attempt.
        [sameObjectAsEarlier.id, false],
        [lost.id, false],
      ]),
    );
  });

  it('does not count a delta file that never got renamed into place', async () => {
    const s = await open();
    const change = create('unit', 'u1', null, { name: 'A' });
    await s.apply([change], applyContext('run-1'));
    expect(await s.recover!([pendingForm(change, 'run-1')])).toEqual(new Map([[change.id, true]]));
    // The crash came after the manifest and before the rename: only the manifest is there.
    await rm(join(dir, (await csvFiles())[0]!));
    expect(await s.recover!([pendingForm(change, 'run-1')])).toEqual(new Map([[change.id, false]]));
  });

  it('ignores a manifest that is not its own format', async () => {
    const s = await open();
    const change = create('unit', 'u1', null, { name: 'A' });
    await s.apply([change], applyContext('run-1'));
    const manifest = (await readdir(dir)).find((f) => f.endsWith('.changes.json'))!;
    await writeFile(join(dir, manifest), '{"broken": true}');
    expect(await s.recover!([pendingForm(change, 'run-1')])).toEqual(new Map([[change.id, false]]));
  });

  it('refuses attributes named like its own columns', async () => {
    const s = await open();
    const [r] = await s.apply([create('unit', 'u1', null, { action: 'x' })], applyContext());
    expect(r).toMatchObject({ status: 'failed', errorKind: 'invalid-value' });
    expect(await csvFiles()).toEqual([]);
  });
});
