import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OrgsyncError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { Person, Position, type SourceExport, Unit } from '../../src/model/schema.js';
import type { SourceContext } from '../../src/sdk/connector.js';
import { makePseudonymizer } from '../../src/util/pseudonym.js';
import { type OpusXmlConfig, opusXmlSource } from './index.js';
import { exportTimestamp } from './locate.js';
import { writeOpusExport } from './test/generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, 'test', 'fixtures');
const EXPORT = join(FIXTURES, 'ZLPE20240301053000_delta.xml');
const pseudonymize = makePseudonymizer('test-key');

function context(logger = silentLogger()): SourceContext {
  return { instance: 'opus', logger, workDir: tmpdir(), pseudonymize, asOf: '2024-03-01' };
}

async function read(config: OpusXmlConfig, ctx = context()): Promise<SourceExport> {
  const session = await opusXmlSource.open(opusXmlSource.configSchema.parse(config), ctx);
  return session.read();
}

/** The error read() threw, so its code and message can be asserted together. */
async function readError(config: OpusXmlConfig): Promise<OrgsyncError> {
  const error = await read(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrgsyncError);
  return error as OrgsyncError;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'opus-xml-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes `content` to a fresh file in the temp directory and returns its path. */
async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const file = join(tmp, name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

describe('opus-xml: mapping', () => {
  let result: SourceExport;
  beforeAll(async () => {
    result = await read({ path: EXPORT });
  });

  const unit = (key: string) => result.units.find((u) => u.key === key);
  const position = (key: string) => result.positions.find((p) => p.key === key);

  it('produces records that satisfy the canonical schemas', () => {
    expect(() => z.array(Unit).parse(result.units)).not.toThrow();
    expect(() => z.array(Person).parse(result.persons)).not.toThrow();
    expect(() => z.array(Position).parse(result.positions)).not.toThrow();
  });

  it('maps an orgUnit with every field, decoding entities and keeping Danish letters', () => {
    expect(unit('1')).toEqual({
      key: '1',
      parentKey: null,
      name: 'Ærø & Søby Kommune',
      shortName: 'ÆRØ',
      type: '00000',
      typeText: 'Kommune',
      costCentre: '1000',
      pNumber: '1003388101',
      ean: '5798000000001',
      cvr: '29189498',
      address: { street: 'Rådhuspladsen 1, st. th.', postalCode: '5970', city: 'Ærøskøbing' },
      phone: '63 52 50 00',
      validFrom: '1900-01-01',
      validTo: null,
    });
  });

  it('turns empty elements into undefined and keeps a real end date', () => {
    const u = unit('2')!;
    expect(u.name).toBe('Børn, Unge & Kultur (BUK) – "Øst"');
    expect(u.parentKey).toBe('1');
    expect(u.address).toBeUndefined();
    for (const field of ['phone', 'cvr', 'ean', 'pNumber', 'costCentre'] as const) {
      expect(u[field]).toBeUndefined();
    }
    expect(u.validTo).toBe('2030-06-30');
  });

  it('falls back to shortName when longName is blank, and reads an empty endDate as open', () => {
    expect(unit('3')).toMatchObject({ name: 'IT-afd.', shortName: 'IT-afd.', validTo: null });
    expect(unit('3')!.address).toEqual({ street: 'Vestergade 2', postalCode: undefined, city: undefined });
  });

  it('maps an employment, with a trimmed fraction and 9999-12-31 as open-ended', () => {
    expect(position('1001')).toEqual({
      key: '1001',
      personKey: pseudonymize('9901701234'),
      unitKey: '2',
      title: 'Afdelingsleder, BUK',
      titleShort: 'AFDL',
      jobCode: '5100',
      contractType: '01',
      fraction: 1,
      manager: true,
      onLeave: false,
      validFrom: '2010-08-01',
      validTo: null,
    });
    expect(position('1001')!.primary).toBeUndefined();
  });

  it('reads numerator/denominator with trailing spaces; a zero or missing denominator gives no fraction', () => {
    expect(position('1000')!.fraction).toBe(0.5);
    expect(position('1007')!.fraction).toBeUndefined();
    expect(position('1009')!.fraction).toBeUndefined();
  });

  it('keeps future-dated employments as dated records', () => {
    expect(position('1005')).toMatchObject({ validFrom: '2099-01-01', validTo: null, unitKey: '3' });
  });

  it('makes one person per CPR, from the employment with the lowest employment number', () => {
    const key = pseudonymize('9901701234');
    const soeren = result.persons.filter((p) => p.key === key);
    expect(soeren).toHaveLength(1);
    // 1000 comes after 1001 in the file but has the lower number, so its values win.
    expect(soeren[0]).toEqual({
      key,
      cpr: '9901701234',
      givenName: 'Søren',
      surname: 'Ørsted Åberg',
      email: 'soa@aeroe.example',
      phone: undefined,
      userId: 'SOA',
    });
    expect(result.positions.filter((p) => p.personKey === key).map((p) => p.key)).toEqual(['1001', '1000']);
  });

  it('normalises a CPR written with a dash, and both spellings give the same person key', () => {
    expect(result.persons.every((p) => /^\d{10}$/.test(p.cpr ?? ''))).toBe(true);
    expect(position('1001')!.personKey).toBe(position('1000')!.personKey);
  });

  it('keeps names with punctuation and turns empty contact fields into undefined', () => {
    const p = result.persons.find((x) => x.key === position('1007')!.personKey)!;
    expect(p).toMatchObject({ givenName: 'Anne-Marie', surname: "O'Brien Læssøe" });
    expect([p.email, p.phone, p.userId]).toEqual([undefined, undefined, undefined]);
    expect(position('1007')!.title).toBeUndefined();
  });

  it('skips leavers (action="leave") without a position, a person or an issue', () => {
    expect(position('1002')).toBeUndefined();
    expect(result.rejected.find((r) => r.key === '1002')).toBeUndefined();
  });

  it('rejects broken records with a key and a code, and leaves them out', () => {
    expect(result.rejected.map(({ recordType, key, code }) => ({ recordType, key, code }))).toEqual([
      { recordType: 'unit', key: 'line 51', code: 'missing-key' },
      { recordType: 'unit', key: '5', code: 'malformed-date' },
      { recordType: 'position', key: '1003', code: 'missing-cpr' },
      { recordType: 'position', key: '1004', code: 'missing-unit' },
      { recordType: 'position', key: '1006', code: 'malformed-date' },
    ]);
    expect(unit('5')).toBeUndefined();
    for (const key of ['1003', '1004', '1006']) expect(position(key)).toBeUndefined();
    // The person of a rejected employment does not appear either.
    expect(result.persons.some((p) => p.key === pseudonymize('9902801111'))).toBe(false);
  });

  it('never puts a CPR number or a name into an issue', async () => {
    const xml = await readFile(EXPORT, 'utf8');
    const cprs = [...xml.matchAll(/<cpr[^>]*>([^<]+)</g)].map((m) => m[1]!.replace('-', ''));
    const names = [...xml.matchAll(/<(?:firstName|lastName)>([^<]+)</g)].map((m) => m[1]!);
    const issues = JSON.stringify(result.rejected);
    for (const secret of [...cprs, ...names]) expect(issues).not.toContain(secret);
  });

  it('reports the export time from the file name', () => {
    expect(result.meta).toEqual({ source: 'opus-xml', origin: EXPORT, exportedAt: '2024-03-01T05:30:00' });
  });

  it('keeps records of every client by default', () => {
    expect(unit('6')).toBeDefined();
    expect(position('1008')).toBeDefined();
  });
});

describe('opus-xml: options and file selection', () => {
  it('reads only the configured clients', async () => {
    const r = await read({ path: EXPORT, clients: ['813'] });
    expect(r.units.map((u) => u.key)).toEqual(['1', '2', '3']);
    expect(r.positions.some((p) => p.key === '1008')).toBe(false);
    expect(r.persons.some((p) => p.key === pseudonymize('9906105555'))).toBe(false);
  });

  it('warns, without failing, when a configured client does not occur', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const r = await read({ path: EXPORT, clients: ['812'] }, context(pino({ level: 'info' }, sink)));
    expect(r.units).toEqual([]);
    expect(lines.join('')).toContain('configured OPUS clients do not occur');
  });

  it('logs counts but never a CPR number', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    await read({ path: EXPORT }, context(pino({ level: 'trace' }, sink)));
    const log = lines.join('');
    expect(log).toContain('"positions":6');
    expect(log).not.toMatch(/99\d{4}-?\d{4}/);
  });

  it('picks the newest ZLPE file in a directory by the timestamp in its name, not by mtime', async () => {
    const dir = join(tmp, 'drop');
    await mkdir(dir, { recursive: true });
    const newest = join(dir, 'ZLPE20240302053000_delta.xml');
    await copyFile(EXPORT, newest);
    await writeFile(join(dir, 'ZLPE20240301053000_delta.xml'), '<kmd></kmd>');
    await writeFile(join(dir, 'ZLPE20991301000000_delta.xml'), 'not a valid timestamp, ignored');
    await writeFile(join(dir, 'other.xml'), 'ignored');
    // Make the older export look recently modified.
    const now = new Date();
    await utimes(join(dir, 'ZLPE20240301053000_delta.xml'), now, now);
    await utimes(newest, new Date('2020-01-01'), new Date('2020-01-01'));

    const r = await read({ path: dir });
    expect(r.meta.origin).toBe(newest);
    expect(r.meta.exportedAt).toBe('2024-03-02T05:30:00');
    expect(r.positions.length).toBeGreaterThan(0);
  });

  it('parses the ZLPE timestamp, refusing impossible ones', () => {
    expect(exportTimestamp('ZLPE20240229235959_delta.xml')).toBe('2024-02-29T23:59:59');
    expect(exportTimestamp('zlpe20240301053000.XML')).toBe('2024-03-01T05:30:00');
    expect(exportTimestamp('ZLPE20230229000000_delta.xml')).toBeUndefined();
    expect(exportTimestamp('export.xml')).toBeUndefined();
  });

  it('leaves exportedAt out when the file name has no timestamp', async () => {
    const file = await tempFile('plain.xml', await readFile(EXPORT));
    const r = await read({ path: file });
    expect(r.meta).toEqual({ source: 'opus-xml', origin: file });
  });

  it('validates its configuration', () => {
    const schema = opusXmlSource.configSchema;
    expect(schema.safeParse({ path: '/x' }).success).toBe(true);
    expect(schema.safeParse({ path: '/x', clients: ['813'] }).success).toBe(true);
    expect(schema.safeParse({}).success).toBe(false);
    expect(schema.safeParse({ path: '' }).success).toBe(false);
    expect(schema.safeParse({ path: '/x', clients: [] }).success).toBe(false);
    // A misspelt key must not be silently ignored.
    expect(schema.safeParse({ path: '/x', client: ['813'] }).success).toBe(false);
  });
});

describe('opus-xml: whole-file failures', () => {
  it('throws UNREADABLE for a missing file', async () => {
    const e = await readError({ path: join(tmp, 'nope', 'ZLPE20240301053000_delta.xml') });
    expect(e.code).toBe('ORGSYNC_SOURCE_UNREADABLE');
    expect(e.message).toContain('nope');
  });

  it('throws UNREADABLE for a directory without exports', async () => {
    const dir = join(tmp, 'empty-drop');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'readme.txt'), 'x');
    const e = await readError({ path: dir });
    expect(e.code).toBe('ORGSYNC_SOURCE_UNREADABLE');
    expect(e.message).toContain('No OPUS export');
  });

  it.skipIf(process.getuid?.() === 0)('throws UNREADABLE for a file it may not read', async () => {
    const file = await tempFile('locked/ZLPE20240301053000_delta.xml', '<kmd/>');
    await chmod(file, 0o000);
    expect((await readError({ path: file })).code).toBe('ORGSYNC_SOURCE_UNREADABLE');
  });

  it('throws MALFORMED, naming file and line, for a truncated export', async () => {
    const file = join(FIXTURES, 'truncated.xml');
    const e = await readError({ path: file });
    expect(e.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/line \d+/);
    expect(e.message).not.toMatch(/99\d{8}/);
  });

  it('throws MALFORMED when the file ends cleanly after a record but before </kmd>', async () => {
    const xml = await readFile(EXPORT, 'utf8');
    const cut = xml.slice(0, xml.indexOf('<employee id="1005"'));
    const e = await readError({ path: await tempFile('cut.xml', cut) });
    expect(e.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(e.message).toContain('kmd');
  });

  it.each([
    ['an empty file', ''],
    ['a wrong root element', '<?xml version="1.0"?>\n<orgs><orgUnit id="1"/></orgs>'],
    ['broken markup', '<kmd>\n <orgUnit id="1">\n  <longName>A</shortName>\n </orgUnit>\n</kmd>'],
    ['text after the root', '<kmd></kmd>\ngarbage'],
  ])('throws MALFORMED for %s', async (_what, content) => {
    const e = await readError({ path: await tempFile('bad.xml', content) });
    expect(e.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(e.message).toContain('bad.xml');
  });

  it('names the line of the error', async () => {
    const content = '<kmd>\n <orgUnit id="1">\n  <longName>A</shortName>\n </orgUnit>\n</kmd>';
    const e = await readError({ path: await tempFile('line.xml', content) });
    expect(e.message).toMatch(/line 3:/);
  });

  it('decodes a Latin-1 file that says so', async () => {
    const xml =
      '<?xml version="1.0" encoding="ISO-8859-1"?>\n<kmd><orgUnit id="1"><longName>Ærø Bæredygtighed</longName></orgUnit></kmd>';
    const r = await read({ path: await tempFile('latin1.xml', Buffer.from(xml, 'latin1')) });
    expect(r.units[0]!.name).toBe('Ærø Bæredygtighed');
  });

  it('throws MALFORMED for Latin-1 bytes in a file that claims UTF-8, instead of garbling names', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<kmd><orgUnit id="1"><longName>Ærø</longName></orgUnit></kmd>';
    const e = await readError({ path: await tempFile('mislabelled.xml', Buffer.from(xml, 'latin1')) });
    expect(e.code).toBe('ORGSYNC_SOURCE_MALFORMED');
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const xml =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<kmd><orgUnit id="1"><longName>Å</longName></orgUnit></kmd>';
    const r = await read({ path: await tempFile('bom.xml', xml) });
    expect(r.units[0]!.name).toBe('Å');
  });
});

describe('opus-xml: check()', () => {
  const check = async (path: string) => (await opusXmlSource.open({ path }, context())).check();

  it('is ok for a readable file and for a directory with an export', async () => {
    expect(await check(EXPORT)).toMatchObject({ ok: true });
    const r = await check(FIXTURES);
    expect(r.ok).toBe(true);
    expect(r.message).toContain('ZLPE20240301053000_delta.xml');
  });

  it('reports a missing path without throwing', async () => {
    const r = await check(join(tmp, 'missing'));
    expect(r.ok).toBe(false);
    expect(r.message).toContain('missing');
  });
});

describe('opus-xml: scale', () => {
  it('streams a generated export of 20,000 employments', async () => {
    const file = join(tmp, 'ZLPE20240401000000_delta.xml');
    const counts = await writeOpusExport(file, 20_000);
    const started = performance.now();
    const r = await read({ path: file });
    const ms = performance.now() - started;
    expect(r.positions).toHaveLength(counts.employees);
    expect(r.persons).toHaveLength(counts.persons);
    expect(r.units).toHaveLength(counts.units);
    expect(r.rejected).toEqual([]);
    // Generous: about 0.5 s on a laptop; this guards against accidental quadratic work.
    expect(ms).toBeLessThan(15_000);
  });
});
