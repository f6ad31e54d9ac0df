import { describe, expect, it } from 'vitest';
import { escapeCell, fromCell, tagOf, toCell, unescapeCell } from './cells.js';

const HOSTILE = [
  "=cmd|' /C calc'!A0",
  '+1',
  '-1',
  '@SUM(A1:A9)',
  '\t=1',
  '\r=1',
  "'=1",
  "'",
  "''=x",
  "'plain",
  'a;b,c',
  '"quoted"',
  'line\nbreak',
  'æøå ÆØÅ',
  '',
];

describe('formula-injection escaping', () => {
  it('prefixes an apostrophe to cells a spreadsheet would run', () => {
    expect(escapeCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(escapeCell('+1')).toBe("'+1");
    expect(escapeCell('-1')).toBe("'-1");
    expect(escapeCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeCell('\tx')).toBe("'\tx");
    expect(escapeCell('\rx')).toBe("'\rx");
    expect(escapeCell('Kontorchef')).toBe('Kontorchef');
    expect(escapeCell('a=b')).toBe('a=b');
  });

  it('escapes a leading apostrophe too, so that unescaping is exact', () => {
    expect(escapeCell("'=1")).toBe("''=1");
    for (const v of HOSTILE) expect(unescapeCell(escapeCell(v))).toBe(v);
  });

  it('leaves text it did not escape alone', () => {
    expect(unescapeCell("'abc")).toBe("'abc");
    expect(unescapeCell('abc')).toBe('abc');
  });
});

describe('typed cells', () => {
  it('round-trips every attribute value kind through its tag', () => {
    const values = ['x', '-5', 0, -1.5, 1e21, true, false, null, [], ['a', 'b;c', '=1'], undefined] as const;
    for (const v of values) expect(fromCell(toCell(v), tagOf(v))).toEqual(v);
  });

  it('returns the text when a cell no longer fits its tag', () => {
    expect(fromCell('abc', 'number')).toBe('abc');
    expect(fromCell('', 'number')).toBe('');
    expect(fromCell('yes', 'boolean')).toBe('yes');
    expect(fromCell('[1]', 'list')).toBe('[1]');
  });
});
