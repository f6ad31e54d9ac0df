import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetSession } from '../../src/sdk/connector.js';
import type { Change, CurrentObject } from '../../src/sdk/types.js';
import { CsvExportConfig, csvExportTarget } from './index.js';
import { applyContext, create, remove, tempDir, testContext, update } from './testing.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('csv-full')));
afterEach(() => cleanup());

const open = async (config: Partial<CsvExportConfig> = {}): Promise<TargetSession> =>
  csvExportTarget.open(CsvExportConfig.parse({ directory: dir, ...config }), testContext(dir));

const HOSTILE = [
  "=cmd|' /C calc'!A0",
  '+1',
  '-1',
  '@SUM(A1:A2)',
  '\tTAB',
  '\rCR',
  "'quoted already",
  'semi;colon, comma',
  'say "hi"',
  'line one\nline two\r\nline three',
  'Ærø Ø-vej å',
];

/** The objects of the first plan: every attribute kind, and objects lacking some attributes. */
const INITIAL: Change[] = [
  create('unit', 'u1', null, { name: 'Kommune', level: 1, tags: ['a', 'b'], closed: false }),
  create('unit', 'u2', 'u1', { name: 'Skole', level: 2, phone: null }),
  create('person', 'p-1', null, { givenName: 'Søren', surname: 'Ærø', fte: 0.5, emails: [] }),
  create('position', 'pos1', 'u2', { title: 'Lærer', manager: true, fraction: 1 }),
];

const expectedObjects = (changes: readonly Change[]): CurrentObject[] =>
  changes.map((c) => ({
    type: c.type,
    key: c.key,
    parentKey: c.parentKey,
    attrs: Object.fromEntries(c.attrs.map((a) => [a.name, a.new])),
    disabled: false,
  }));

const csvRows = async (file: string, delimiter = ';') =>
  parse(await readFile(join(dir, file), 'utf8'), { delimiter, bom: true, columns: true }) as Record<
    string,
    string
  >[];

describe('csv-export, full mode', () => {
  it('declares what the engine needs', () => {
    expect(csvExportTarget.batch).toBe('all');
    expect(csvExportTarget.capabilities).toMatchObject({
      create: true,
      update: true,
      move: true,
      disable: true,
      delete: true,
      read: true,
    });
    expect(CsvExportConfig.parse({ directory: dir })).toEqual({
      directory: dir,
      mode: 'full',
      delimiter: ';',
      bom: true,
      fileNamePrefix: '',
    });
  });

  it('reads back exactly what it wrote, typed, so the next plan is empty', async () => {
    const s = await open();
    const results = await s.apply(INITIAL, applyContext());
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const read = await s.read!(['unit', 'person', 'position']);
    expect(read).toEqual(expectedObjects(INITIAL));
  });

  it('writes a header of key, parentKey, active and the sorted attribute columns, with a BOM', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    const text = await readFile(join(dir, 'units.csv'), 'utf8');
    expect(text.startsWith('\uFEFFkey;parentKey;active;closed;level;name;phone;tags\r\n')).toBe(true);
    expect(await csvRows('units.csv')).toEqual([
      {
        key: 'u1',
        parentKey: '',
        active: 'true',
        closed: 'false',
        level: '1',
        name: 'Kommune',
        phone: '',
        tags: '["a","b"]',
      },
      {
        key: 'u2',
        parentKey: 'u1',
        active: 'true',
        closed: '',
        level: '2',
        name: 'Skole',
        phone: '',
        tags: '',
      },
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      'persons.csv',
      'persons.csv.types.json',
      'positions.csv',
      'positions.csv.types.json',
      'units.csv',
      'units.csv.types.json',
    ]);
  });

  it('updates, moves and re-enables in place', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    await s.apply([remove('disable', 'unit', 'u2', 'u1')], applyContext());
    await s.apply(
      [
        update('unit', 'u2', null, { level: 1 }, { action: 'move', oldParentKey: 'u1', enable: true }),
        update('person', 'p-1', null, { fte: 1, emails: ['s@x.dk'] }),
      ],
      applyContext(),
    );
    const read = await s.read!(['unit', 'person']);
    expect(read.find((o) => o.key === 'u2')).toEqual({
      type: 'unit',
      key: 'u2',
      parentKey: null,
      attrs: { name: 'Skole', level: 1, phone: null },
      disabled: false,
    });
    expect(read.find((o) => o.key === 'p-1')?.attrs).toEqual({
      givenName: 'Søren',
      surname: 'Ærø',
      fte: 1,
      emails: ['s@x.dk'],
    });
  });

  it('keeps a disabled object as a row with active=false, and drops a deleted one', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    await s.apply(
      [remove('disable', 'position', 'pos1', 'u2'), remove('delete', 'person', 'p-1', null)],
      applyContext(),
    );
    expect((await csvRows('positions.csv')).map((r) => [r['key'], r['active']])).toEqual([['pos1', 'false']]);
    expect(await csvRows('persons.csv')).toEqual([]);
    const read = await s.read!(['person', 'position']);
    expect(read).toEqual([{ ...expectedObjects(INITIAL)[3], disabled: true }]);
  });

  it('escapes formula injection in the file and reverses it exactly on read', async () => {
    const s = await open();
    const changes = HOSTILE.map((v, i) => create('person', `=key${i}`, null, { title: v, other: `-${i}` }));
    await s.apply(changes, applyContext());
    const raw = await readFile(join(dir, 'persons.csv'), 'utf8');
    expect(raw).toContain(";'=cmd|' /C calc'!A0");
    const rows = await csvRows('persons.csv');
    for (const [i, row] of rows.entries()) {
      for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      expect(row['key']).toBe(`'=key${i}`);
    }
    expect(rows.map((r) => r['title'])).toEqual([
      "'=cmd|' /C calc'!A0",
      "'+1",
      "'-1",
      "'@SUM(A1:A2)",
      "'\tTAB",
      "'\rCR",
      "''quoted already",
      'semi;colon, comma',
      'say "hi"',
      'line one\nline two\r\nline three',
      'Ærø Ø-vej å',
    ]);
    expect(await s.read!(['person'])).toEqual(expectedObjects(changes));
  });

  it.each([
    [',', false],
    ['\t', true],
  ] as const)('round-trips hostile values with delimiter %j (bom %s)', async (delimiter, bom) => {
    const s = await open({ delimiter, bom, fileNamePrefix: 'kommune-' });
    const changes = HOSTILE.map((v, i) => create('unit', `u${i}`, null, { name: v }));
    await s.apply(changes, applyContext());
    const bytes = await readFile(join(dir, 'kommune-units.csv'));
    expect(bytes[0] === 0xef).toBe(bom);
    expect(await s.read!(['unit'])).toEqual(expectedObjects(changes));
  });

  it('writes only the files of the types that changed', async () => {
    const s = await open();
    await s.apply([create('unit', 'u1', null, { name: 'A' })], applyContext());
    expect((await readdir(dir)).sort()).toEqual(['units.csv', 'units.csv.types.json']);
  });

  it('leaves no temp file behind', async () => {
    const s = await open();
    await s.apply(INITIAL, applyContext());
    await s.apply([update('unit', 'u1', null, { name: 'B' })], applyContext());
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp') || f.startsWith('.'))).toEqual([]);
  });

  it('reports per-change failures and skips what depends on them', async () => {
    const s = await open();
    await s.apply([create('unit', 'u1', null, { name: 'A' })], applyContext());
    const dependent = { ...create('position', 'pos9', 'u3', { title: 'x' }), after: ['test:unit:u3'] };
    const results = await s.apply(
      [
        create('unit', 'u3', null, { active: 'x' }),
        dependent,
        update('unit', 'nope', null, { name: 'x' }),
        create('unit', 'u1', null, { name: 'again' }),
        create('unit', 'u4', null, { name: 'fine' }),
      ],
      applyContext(),
    );
    // A create of an object the file holds (a resumed run) converges to the created values.
    expect(results.map((r) => [r.status, r.errorKind])).toEqual([
      ['failed', 'invalid-value'],
      ['skipped', undefined],
      ['failed', 'not-found'],
      ['applied', undefined],
      ['applied', undefined],
    ]);
    expect((await s.read!(['unit'])).map((o) => [o.key, o.attrs?.['name']])).toEqual([
      ['u1', 'again'],
      ['u4', 'fine'],
    ]);
  });

  it('falls back to text values when the CSV was edited behind its types file', async () => {
    const s = await open();
    await s.apply([create('unit', 'u1', null, { name: 'A', level: 1 })], applyContext());
    const path = join(dir, 'units.csv');
    await writeFile(path, (await readFile(path, 'utf8')).replace(';A\r\n', ';B\r\n'));
    expect((await s.read!(['unit']))[0]?.attrs).toEqual({ level: '1', name: 'B' });
  });

  it('keeps a column of any name as data, __proto__ and constructor included', async () => {
    const s = await open();
    await s.apply([create('unit', 'u1', null, { name: 'A' })], applyContext());
    const path = join(dir, 'units.csv');
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace('name\r\n', 'name;__proto__;constructor\r\n').replace(';A\r\n', ';A;x;\r\n'),
    );
    const [unit] = await s.read!(['unit']);
    expect(Object.getPrototypeOf(unit?.attrs)).toBe(Object.prototype);
    expect(Object.keys(unit?.attrs ?? {})).toEqual(['name', '__proto__', 'constructor']);
    expect(Object.hasOwn(unit?.attrs ?? {}, '__proto__')).toBe(true);
  });

  it('reads nothing from an empty directory, and fails loudly for a missing one', async () => {
    expect(await (await open()).read!(['unit', 'person', 'position'])).toEqual([]);
    const gone = await csvExportTarget.open(
      CsvExportConfig.parse({ directory: join(dir, 'missing') }),
      testContext(dir),
    );
    await expect(gone.read!(['unit'])).rejects.toMatchObject({
      name: 'ConnectorError',
      kind: 'invalid-config',
    });
    expect((await gone.check()).ok).toBe(false);
    expect((await (await open()).check()).ok).toBe(true);
  });

  it('refuses to read a file written with another delimiter', async () => {
    await (await open({ delimiter: ',' })).apply([create('unit', 'u1', null, { name: 'A' })], applyContext());
    await expect((await open()).read!(['unit'])).rejects.toMatchObject({ kind: 'invalid-config' });
  });

  it('does not touch the files when aborted before writing', async () => {
    const s = await open();
    const ac = new AbortController();
    ac.abort();
    await expect(s.apply(INITIAL, { runId: 'r', signal: ac.signal })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});
