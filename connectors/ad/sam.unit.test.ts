import { describe, expect, it } from 'vitest';
import { generateSam, parseSamPattern, SAM_MAX_ATTEMPTS, SamError, validSam } from './sam.js';

const free = (_name: string) => false;
const takenOf =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name);
const sam = (givenName: string, surname: string, pattern = '{given:3}{surname:3}', taken = free) =>
  generateSam({ givenName, surname, key: '1234' }, { pattern, taken });

describe('generateSam', () => {
  it('transliterates æøå the Danish way', () => {
    expect(sam('Søren', 'Ærø')).toBe('soeaer');
    expect(sam('Åse', 'Øster')).toBe('aasoes');
    expect(sam('José', 'Müller')).toBe('josmue');
  });

  it('never lets a forbidden character or a space through', () => {
    const hostile = '" / \\ [ ] : ; | = , + * ? < > . \0 \t';
    expect(sam(`A${hostile}b`, `C${hostile}d`, '{given}{surname}')).toBe('abcd');
    for (const name of [sam(hostile + 'x', 'y'), sam('Anne-Marie', "O'Brien", '{given}.{surname}')])
      expect(name).toMatch(/^[a-z0-9._-]+$/);
  });

  it('fills the other tokens', () => {
    expect(sam('Anne Marie', 'Hansen', '{given}.{surname}')).toBe('annemarie.hansen');
    expect(sam('', 'Hansen', '{given}.{surname}')).toBe('hansen');
    expect(sam('Ib', 'Ko', '{given:3}{surname:3}')).toBe('ibko');
    expect(
      generateSam({ givenName: 'a', surname: 'b', key: 'EMP-0042' }, { pattern: 'x{key}', taken: free }),
    ).toBe('xemp0042');
  });

  it('stays within 20 characters', () => {
    const name = sam('Maximiliane Charlotte', 'Rosenkrantz-Gyldenstierne', '{given}{surname}');
    expect(name).toBe('maximilianecharlotte');
    expect(name).toHaveLength(20);
    expect(sam('Maximilianecharlott', 'Xy', '{given}.{surname}')).toBe('maximilianecharlott');
  });

  it('falls back to u and the key digits when the names give nothing', () => {
    expect(
      generateSam(
        { givenName: '---', surname: '李', key: 'P-0101' },
        { pattern: '{given}{surname}', taken: free },
      ),
    ).toBe('u0101');
    expect(() =>
      generateSam({ givenName: '', surname: '', key: 'abc' }, { pattern: '{given}', taken: free }),
    ).toThrow(SamError);
  });

  it('adds a number on collision', () => {
    expect(sam('Søren', 'Ærø', undefined, takenOf('soeaer'))).toBe('soeaer2');
    expect(sam('Søren', 'Ærø', undefined, takenOf('soeaer', 'soeaer2'))).toBe('soeaer3');
  });

  it('cuts the base so base and number stay within 20 characters', () => {
    const tried: string[] = [];
    const taken = (name: string) => {
      tried.push(name);
      return tried.length < 10;
    };
    const name = sam('Maximiliane Charlotte', 'Rosenkrantz', '{given}{surname}', taken);
    expect(tried[0]).toBe('maximilianecharlotte');
    expect(tried[1]).toBe('maximilianecharlott2');
    expect(name).toBe('maximilianecharlot10');
    for (const t of tried) expect(validSam(t) && t.length <= 20).toBe(true);
  });

  it('does not leave a separator before the number when cutting', () => {
    const base = sam('Abcdefghijklmnopqr', 'Xyz', '{given}.{surname}');
    expect(base).toBe('abcdefghijklmnopqr.x');
    expect(sam('Abcdefghijklmnopqr', 'Xyz', '{given}.{surname}', takenOf(base))).toBe('abcdefghijklmnopqr2');
  });

  it('gives up with a clear error after 9999 attempts', () => {
    let calls = 0;
    const always = () => {
      calls++;
      return true;
    };
    expect(() => sam('Søren', 'Ærø', undefined, always)).toThrow(/no free sAMAccountName: "soeaer"/);
    expect(calls).toBe(SAM_MAX_ATTEMPTS);
  });
});

describe('parseSamPattern', () => {
  it('splits literals and fields', () => {
    expect(parseSamPattern('{given:3}.{surname}')).toEqual([
      { field: 'given', length: 3 },
      { literal: '.' },
      { field: 'surname', length: undefined },
    ]);
  });

  it.each(['{foo}', '{given:0}', '{given:x}', 'a b{given}', '{surname', 'abc', '{given}@x'])(
    'refuses %j',
    (pattern) => {
      expect(() => parseSamPattern(pattern)).toThrow(SamError);
    },
  );
});

describe('validSam', () => {
  it('accepts 1 to 20 allowed characters', () => {
    for (const ok of ['a', 'soeaer2', 'a.b', 'a b', 'x'.repeat(20), 'a-b_c']) expect(validSam(ok)).toBe(true);
  });

  it('refuses empty, long, forbidden characters, a final period, only periods', () => {
    for (const bad of ['', 'x'.repeat(21), 'abc.', '...', ' . ', 'a\0b'])
      expect(validSam(bad), JSON.stringify(bad)).toBe(false);
    for (const ch of '"/\\[]:;|=,+*?<>') expect(validSam(`a${ch}b`), ch).toBe(false);
  });
});
