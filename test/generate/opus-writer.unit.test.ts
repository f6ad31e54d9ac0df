import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateToDirectory } from '../../src/generate/index.js';
import type { Municipality } from '../../src/generate/model.js';
import { generateMunicipality } from '../../src/generate/municipality.js';
import { escapeXml, opusFileName } from '../../src/generate/opus-writer.js';
import { parseOpus, writeToBuffer } from './helpers.js';

const ASOF = '2025-03-14';

describe('writeOpusXml', () => {
  const m = generateMunicipality({ seed: 1, persons: 2_000, asOf: ASOF });

  it('writes well-formed OPUS XML that reads back to the model', async () => {
    const xml = (await writeToBuffer(m)).toString('utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<kmd>\n')).toBe(true);
    const parsed = parseOpus(xml);
    expect(parsed.root).toBe('kmd');
    expect(parsed.xmlDecl.encoding).toBe('UTF-8');
    const units = parsed.records.filter((r) => r.tag === 'orgUnit');
    const employees = parsed.records.filter((r) => r.tag === 'employee');
    expect(units).toHaveLength(m.units.length);
    expect(employees).toHaveLength(m.employees.length);

    const root = units.find((u) => u.fields.get('parentOrgUnit') === '')!;
    expect(root.attrs).toEqual({
      id: m.units[0]!.id,
      client: m.client,
      lastChanged: m.units[0]!.lastChanged,
    });
    expect(units.filter((u) => u.fields.get('endDate') === '9999-12-31').length).toBe(
      m.units.filter((u) => u.endDate === null).length,
    );

    const byId = new Map(m.employees.map((e) => [e.id, e]));
    for (const rec of employees) {
      const e = byId.get(rec.attrs.id!)!;
      if (e.action === 'leave') {
        expect(rec.attrs.action).toBe('leave');
        expect(rec.fields.size).toBe(0);
        continue;
      }
      expect(rec.fields.get('cpr')).toBe(e.cpr);
      expect(rec.childAttrs.get('cpr')).toEqual({ suppId: '0' });
      expect(rec.fields.get('firstName')).toBe(e.firstName);
      expect(rec.fields.get('lastName')).toBe(e.lastName);
      expect(rec.fields.get('orgUnit')).toBe(e.orgUnit);
      expect(rec.fields.get('isManager')).toBe(String(e.isManager));
      expect(rec.fields.get('leaveDate')).toBe(e.leaveDate ?? '');
      expect(rec.fields.get('numerator')).toBe(e.numerator);
    }
  });

  it('gives byte-identical files for the same seed, different ones for another', async () => {
    const a = await writeToBuffer(m);
    const b = await writeToBuffer(generateMunicipality({ seed: 1, persons: 2_000, asOf: ASOF }), {
      slow: true,
    });
    const c = await writeToBuffer(generateMunicipality({ seed: 2, persons: 2_000, asOf: ASOF }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('escapes hostile characters and drops what XML cannot carry', async () => {
    const hostile = `<script>alert("x")</script> & 'Tom' \u0001\u0008\u000B ]]> \uD800 Ærø 😀`;
    const evil: Municipality = structuredClone(m);
    evil.client = `7"40`;
    evil.units[1]!.longName = hostile;
    evil.units[1]!.shortName = '';
    const e = evil.employees.find((x) => x.action !== 'leave')!;
    e.firstName = hostile;
    e.lastName = "O'Neill & Sø-Ren <Jens Chr.>";
    const xml = (await writeToBuffer(evil)).toString('utf8');
    expect(xml).not.toContain('<script>');
    const parsed = parseOpus(xml);
    const expected = `<script>alert("x")</script> & 'Tom'  ]]> \uFFFD Ærø 😀`;
    const unit = parsed.records.find((r) => r.attrs.id === evil.units[1]!.id)!;
    expect(unit.fields.get('longName')).toBe(expected);
    expect(unit.fields.get('shortName')).toBe('');
    expect(unit.attrs.client).toBe(`7"40`);
    const emp = parsed.records.find((r) => r.tag === 'employee' && r.attrs.id === e.id)!;
    expect(emp.fields.get('firstName')).toBe(expected);
    expect(emp.fields.get('lastName')).toBe("O'Neill & Sø-Ren <Jens Chr.>");
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(escapeXml('plain Æblegården')).toBe('plain Æblegården');
  });

  it('names files as the OPUS drop does', () => {
    expect(opusFileName('2025-03-14')).toBe('ZLPE20250314000000_delta.xml');
  });
});

describe('generateToDirectory', () => {
  it('writes day 0 and the following days, one file each', async () => {
    const dir = join(tmpdir(), `orgsync-generate-${process.pid}-${Date.now()}`);
    try {
      const paths = await generateToDirectory({ dir, seed: 5, persons: 500, asOf: '2025-12-30', days: 3 });
      expect(paths.map((p) => p.slice(dir.length + 1))).toEqual([
        'ZLPE20251230000000_delta.xml',
        'ZLPE20251231000000_delta.xml',
        'ZLPE20260101000000_delta.xml',
        'ZLPE20260102000000_delta.xml',
      ]);
      expect((await readdir(dir)).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)));
      for (const p of paths) {
        const parsed = parseOpus(await readFile(p, 'utf8'));
        expect(parsed.records.length).toBeGreaterThan(500);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
