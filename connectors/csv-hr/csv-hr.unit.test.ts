import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrgsyncError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SourceContext } from '../../src/sdk/connector.js';
import { makePseudonymizer } from '../../src/util/pseudonym.js';
import { tempDir } from '../csv-export/testing.js';
import { CsvHrConfig, csvHrSource } from './index.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('csv-hr')));
afterEach(() => cleanup());

const pseudonymize = makePseudonymizer('k');
const ctx = (): SourceContext => ({
  instance: 'hr',
  logger: silentLogger(),
  workDir: dir,
  pseudonymize,
  asOf: '2026-01-01',
});
const read = async (config: Partial<CsvHrConfig> = {}) =>
  (await csvHrSource.open(CsvHrConfig.parse({ directory: dir, ...config }), ctx())).read();

const UNITS = [
  'key;parentKey;name;shortName;type;costCentre;pNumber;ean;street;postalCode;city;phone;email;validFrom;validTo',
  '1;;Kommune;KOM;K;100;1001;5790000000001;Rådhuspladsen 1;8000;Århus C;;;2020-01-01;',
  '2;1;Skole;;S;;;;;;;12345678;skole@x.dk;2020-01-01;2030-12-31',
];
const PERSONS = [
  'cpr;givenName;surname;email;phone;userId',
  '010190-1234;Søren;Ærø;s@x.dk;;SAE',
  '0202801234;Anne;Hansen;;;',
];
const POSITIONS = [
  'key;cpr;unitKey;title;jobCode;contractType;primary;fraction;manager;validFrom;validTo',
  'pos1;0101901234;2;Lærer;L1;01;ja;0,5;nej;2021-08-01;',
  'pos2;020280-1234;1;Direktør;;;;1;true;;',
];

async function write(
  files: { units?: string[]; persons?: string[]; positions?: string[] },
  encoding: BufferEncoding = 'utf8',
) {
  const all = { units: UNITS, persons: PERSONS, positions: POSITIONS, ...files };
  for (const [name, lines] of Object.entries(all)) {
    await writeFile(join(dir, `${name}.csv`), Buffer.from(`${lines.join('\r\n')}\r\n`, encoding));
  }
}

describe('csv-hr source', () => {
  it('reads units, persons and positions in the documented layout', async () => {
    await write({});
    const out = await read();
    expect(out.rejected).toEqual([]);
    expect(out.meta).toEqual({ source: 'csv-hr', origin: dir });
    expect(out.units).toEqual([
      {
        key: '1',
        parentKey: null,
        name: 'Kommune',
        shortName: 'KOM',
        type: 'K',
        costCentre: '100',
        pNumber: '1001',
        ean: '5790000000001',
        address: { street: 'Rådhuspladsen 1', postalCode: '8000', city: 'Århus C' },
        validFrom: '2020-01-01',
        validTo: null,
      },
      {
        key: '2',
        parentKey: '1',
        name: 'Skole',
        type: 'S',
        phone: '12345678',
        email: 'skole@x.dk',
        validFrom: '2020-01-01',
        validTo: '2030-12-31',
      },
    ]);
    expect(out.persons).toEqual([
      {
        key: pseudonymize('0101901234'),
        cpr: '010190-1234',
        givenName: 'Søren',
        surname: 'Ærø',
        email: 's@x.dk',
        userId: 'SAE',
      },
      { key: pseudonymize('0202801234'), cpr: '0202801234', givenName: 'Anne', surname: 'Hansen' },
    ]);
    expect(out.positions).toEqual([
      {
        key: 'pos1',
        personKey: out.persons[0]!.key,
        unitKey: '2',
        title: 'Lærer',
        jobCode: 'L1',
        contractType: '01',
        primary: true,
        fraction: 0.5,
        manager: false,
        onLeave: false,
        validFrom: '2021-08-01',
        validTo: null,
      },
      {
        key: 'pos2',
        personKey: out.persons[1]!.key,
        unitKey: '1',
        title: 'Direktør',
        fraction: 1,
        manager: true,
        onLeave: false,
        validFrom: null,
        validTo: null,
      },
    ]);
  });

  it('reads Latin-1, detects a comma delimiter, and takes header names in any case and order', async () => {
    const comma = (lines: string[]) => lines.map((l) => l.replaceAll(';', ',').replace('0,5', '0.5'));
    await write(
      {
        units: comma(UNITS),
        persons: ['SURNAME,CPR,GivenName,email,phone,userId,extra', 'Ærø,0101901234,Søren,,,,x'],
        positions: comma(POSITIONS),
      },
      'latin1',
    );
    const out = await read({ encoding: 'latin1' });
    expect(out.rejected).toEqual([]);
    expect(out.persons[0]).toMatchObject({ givenName: 'Søren', surname: 'Ærø' });
    expect(out.units[0]?.address?.city).toBe('Århus C');
    expect(out.positions[0]?.fraction).toBe(0.5);
  });

  it('leaves bad rows out with a clear message that holds no personal data', async () => {
    await write({
      units: [
        ...UNITS,
        '3;1;Bad date;;;;;;;;;;;2021-02-30;',
        '4;1;;;;;;;;;;;;;',
        ';1;No key;;;;;;;;;;;;',
        ';;;;;;;;;;;;;;',
      ],
      persons: [...PERSONS, '030370-1111;;Jensen;;;', ';Ole;Olsen;;;'],
      positions: [
        ...POSITIONS,
        'pos3;0101901234;2;;;;maybe;halv;;;',
        'pos4;;2;;;;;;;;',
        'pos5;0101901234;2;;;;;11;;;',
      ],
    });
    const out = await read();
    expect(out.units.map((u) => u.key)).toEqual(['1', '2']);
    expect(out.persons).toHaveLength(2);
    expect(out.positions.map((p) => p.key)).toEqual(['pos1', 'pos2']);
    expect(out.rejected).toEqual([
      {
        recordType: 'unit',
        key: '3',
        code: 'bad-date',
        message: 'unit 3 left out: validFrom: not a date YYYY-MM-DD',
      },
      { recordType: 'unit', key: '4', code: 'missing-value', message: 'unit 4 left out: name: missing' },
      {
        recordType: 'unit',
        key: 'row 6',
        code: 'missing-value',
        message: 'unit row 6 left out: key: missing',
      },
      {
        recordType: 'person',
        key: 'row 4',
        code: 'missing-value',
        message: 'person row 4 left out: givenName: missing',
      },
      {
        recordType: 'person',
        key: 'row 5',
        code: 'missing-value',
        message: 'person row 5 left out: cpr: missing',
      },
      {
        recordType: 'position',
        key: 'pos3',
        code: 'bad-boolean',
        message: 'position pos3 left out: primary: not true/false; fraction: not a number',
      },
      {
        recordType: 'position',
        key: 'pos4',
        code: 'missing-value',
        message: 'position pos4 left out: cpr: missing',
      },
      {
        recordType: 'position',
        key: 'pos5',
        code: 'invalid-value',
        message: 'position pos5 left out: fraction: Too big: expected number to be <=10',
      },
    ]);
    const text = JSON.stringify(out.rejected);
    for (const secret of ['030370', '1111', 'Jensen', 'Ole', 'Olsen', '0101901234']) {
      expect(text).not.toContain(secret);
    }
  });

  it('refuses the export when a file is missing', async () => {
    await write({});
    await rm(join(dir, 'positions.csv'));
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgsyncError);
    expect(err).toMatchObject({ code: 'ORGSYNC_SOURCE_UNREADABLE', details: [join(dir, 'positions.csv')] });
    expect((await (await csvHrSource.open(CsvHrConfig.parse({ directory: dir }), ctx())).check()).ok).toBe(
      false,
    );
  });

  it('refuses the export when a column is missing, naming file and column', async () => {
    await write({ units: UNITS.map((l) => l.split(';').slice(0, -1).join(';')) });
    await expect(read()).rejects.toMatchObject({
      code: 'ORGSYNC_SOURCE_MALFORMED',
      details: [join(dir, 'units.csv'), 'validTo'],
      message: expect.stringContaining('no column "validTo"'),
    });
  });

  it('refuses a truncated file without quoting its content', async () => {
    await write({ persons: [...PERSONS, '"0303701111;Ole'] });
    const err = (await read().catch((e: unknown) => e)) as OrgsyncError;
    expect(err).toMatchObject({ code: 'ORGSYNC_SOURCE_MALFORMED' });
    expect(err.message).toContain('persons.csv');
    expect(err.message).not.toContain('0303701111');
  });

  it('refuses a file that is not UTF-8 unless told it is Latin-1', async () => {
    await write({ persons: PERSONS }, 'latin1');
    await expect(read()).rejects.toMatchObject({
      code: 'ORGSYNC_SOURCE_MALFORMED',
      message: expect.stringContaining('latin1'),
    });
  });
});
