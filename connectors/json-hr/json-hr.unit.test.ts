import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import type { SourceContext } from '../../src/sdk/connector.js';
import { makePseudonymizer } from '../../src/util/pseudonym.js';
import { tempDir } from '../csv-export/testing.js';
import { JsonHrConfig, jsonHrSource } from './index.js';

let dir: string;
let cleanup: () => Promise<void>;
let path: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('json-hr'));
  path = join(dir, 'hr.json');
});
afterEach(() => cleanup());

const pseudonymize = makePseudonymizer('k');
const ctx = (): SourceContext => ({
  instance: 'hr',
  logger: silentLogger(),
  workDir: dir,
  pseudonymize,
  asOf: '2026-01-01',
});
const read = async () => (await jsonHrSource.open(JsonHrConfig.parse({ path }), ctx())).read();

const GOOD = {
  exportedAt: '2025-01-31T22:00:00Z',
  units: [
    {
      key: '1',
      parentKey: null,
      name: 'Kommune',
      costCentre: 100,
      street: 'Rådhuspladsen 1',
      city: 'Århus C',
      validFrom: '2020-01-01',
    },
    { key: '2', parentKey: '1', name: 'Skole', validTo: '2030-12-31' },
  ],
  persons: [{ cpr: '010190-1234', givenName: 'Søren', surname: 'Ærø', userId: 'SAE' }],
  positions: [
    {
      key: 'pos1',
      cpr: '0101901234',
      unitKey: '2',
      title: 'Lærer',
      primary: true,
      fraction: 0.5,
      manager: 'nej',
    },
  ],
};

const writeJson = (data: unknown) => writeFile(path, typeof data === 'string' ? data : JSON.stringify(data));

describe('json-hr source', () => {
  it('reads the same fields as csv-hr, typed or as text', async () => {
    await writeJson(GOOD);
    const out = await read();
    expect(out.rejected).toEqual([]);
    expect(out.meta).toEqual({ source: 'json-hr', origin: path, exportedAt: '2025-01-31T22:00:00Z' });
    expect(out.units).toEqual([
      {
        key: '1',
        parentKey: null,
        name: 'Kommune',
        costCentre: '100',
        address: { street: 'Rådhuspladsen 1', city: 'Århus C' },
        validFrom: '2020-01-01',
        validTo: null,
      },
      { key: '2', parentKey: '1', name: 'Skole', validFrom: null, validTo: '2030-12-31' },
    ]);
    expect(out.persons).toEqual([
      {
        key: pseudonymize('0101901234'),
        cpr: '010190-1234',
        givenName: 'Søren',
        surname: 'Ærø',
        userId: 'SAE',
      },
    ]);
    expect(out.positions).toEqual([
      {
        key: 'pos1',
        personKey: pseudonymize('0101901234'),
        unitKey: '2',
        title: 'Lærer',
        primary: true,
        fraction: 0.5,
        manager: false,
        onLeave: false,
        validFrom: null,
        validTo: null,
      },
    ]);
  });

  it('leaves bad records out with a clear message that holds no personal data', async () => {
    await writeJson({
      units: [...GOOD.units, { key: '3', name: 'X', validFrom: '31-12-2020' }, 'not a unit'],
      persons: [
        ...GOOD.persons,
        { cpr: '030370-1111', givenName: 'Ole', surname: { first: 'Olsen' } },
        { givenName: 'Ole' },
      ],
      positions: [
        ...GOOD.positions,
        { key: 'pos2', cpr: '0101901234', unitKey: '2', fraction: 'lots', manager: 2 },
      ],
    });
    const out = await read();
    expect(out.units.map((u) => u.key)).toEqual(['1', '2']);
    expect(out.persons).toHaveLength(1);
    expect(out.positions.map((p) => p.key)).toEqual(['pos1']);
    expect(out.rejected).toEqual([
      {
        recordType: 'unit',
        key: '3',
        code: 'bad-date',
        message: 'unit 3 left out: validFrom: not a date YYYY-MM-DD',
      },
      { recordType: 'unit', key: 'row 4', code: 'bad-value', message: 'unit row 4 left out: not an object' },
      {
        recordType: 'person',
        key: 'row 2',
        code: 'bad-value',
        message: 'person row 2 left out: surname: must be text',
      },
      {
        recordType: 'person',
        key: 'row 3',
        code: 'missing-value',
        message: 'person row 3 left out: cpr: missing; surname: missing',
      },
      {
        recordType: 'position',
        key: 'pos2',
        code: 'bad-number',
        message: 'position pos2 left out: fraction: not a number; manager: not true/false',
      },
    ]);
    const text = JSON.stringify(out.rejected);
    for (const secret of ['030370', 'Ole', 'Olsen']) expect(text).not.toContain(secret);
  });

  it('refuses a missing file', async () => {
    await expect(read()).rejects.toMatchObject({ code: 'ORGSYNC_SOURCE_UNREADABLE', details: [path] });
    expect((await (await jsonHrSource.open(JsonHrConfig.parse({ path }), ctx())).check()).ok).toBe(false);
  });

  it('refuses a missing list, naming it', async () => {
    await writeJson({ units: [], persons: [] });
    await expect(read()).rejects.toMatchObject({
      code: 'ORGSYNC_SOURCE_MALFORMED',
      details: [path, 'positions'],
      message: expect.stringContaining('"positions"'),
    });
  });

  it('refuses broken JSON without quoting it', async () => {
    await writeJson('{"units": [], "persons": [{"cpr": "0303701111" "givenName": "Ole"');
    const err = (await read().catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'ORGSYNC_SOURCE_MALFORMED' });
    expect(err.message).toMatch(/not valid JSON .* at line 1, column \d+/);
    expect(err.message).not.toContain('0303701111');
  });

  it('accepts a byte order mark', async () => {
    await writeJson(`\uFEFF${JSON.stringify(GOOD)}`);
    expect((await read()).units).toHaveLength(2);
  });
});
