import { describe, expect, it } from 'vitest';
import {
  childDn,
  DnError,
  escapeDnValue,
  firstValue,
  formatDn,
  normaliseDn,
  parentDn,
  parseDn,
  rdnOf,
  sameDn,
} from './dn.js';

const PARENT = 'OU=A\\,B,DC=example,DC=test';
const PARENT_RDNS = [
  [{ type: 'OU', value: 'A,B' }],
  [{ type: 'DC', value: 'example' }],
  [{ type: 'DC', value: 'test' }],
];
/** ldapts's modifyDN splits the new DN into new RDN and new superior at the first match of this. */
const LDAPTS_SPLIT = /[^\\],/;

const HOSTILE = [
  'Smith, John',
  ',',
  ',,,',
  '"quoted"',
  'a+b',
  '+',
  'back\\slash',
  'ends in backslash\\',
  '\\',
  '\\\\',
  '\\,',
  ',\\',
  'ends in two\\\\',
  '#hash',
  '#',
  'a#b',
  ' leading space',
  'trailing space ',
  ' ',
  '   ',
  ' both ',
  '*()',
  '*)(objectClass=*',
  'nul\0inside',
  '\0',
  'a=b',
  '=',
  '<script>;',
  'line\nbreak\ttab\r',
  'Søren Ærø Åse æøå',
  'Ærø,Åse',
  'José Müller-Lüdenscheidt',
  '👩‍💻 emoji',
  'x'.repeat(2000),
  ' ,+"\\<>;=#\0æ'.repeat(166) + '\\',
];

/** A seeded generator, so a failure can be reproduced. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('childDn + parseDn round trip', () => {
  it.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 40), v]))('gives back %s', (_, value) => {
    const dn = childDn('CN', value, PARENT);
    expect(parseDn(dn)).toEqual([[{ type: 'CN', value }], ...PARENT_RDNS]);
    expect(firstValue(dn)).toBe(value);
  });

  it.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 40), v]))(
    'has no literal "," but the separators, and no "\\," for %s',
    (_, value) => {
      const dn = childDn('CN', value, PARENT);
      expect(dn.split(',')).toHaveLength(4);
      expect(dn).not.toContain('\\,');
      // The split ldapts makes in modifyDN lands exactly after the first RDN.
      const at = dn.search(LDAPTS_SPLIT);
      expect(dn.slice(0, at + 1)).toBe(rdnOf('CN', value));
      expect(dn.slice(at + 2)).toBe('OU=A\\2CB,DC=example,DC=test');
    },
  );

  it('round-trips random values drawn from the special characters', () => {
    const alphabet = [...' ,+"\\<>;=#\0\n*()aæ', '👩'];
    const random = mulberry32(4514);
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(random() * 12);
      const value = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const dn = childDn('CN', value, PARENT);
      expect(parseDn(dn)[0]).toEqual([{ type: 'CN', value }]);
      expect(dn.search(LDAPTS_SPLIT)).toBe(rdnOf('CN', value).length - 1);
    }
  });

  it('shows the pitfall the hex policy avoids: "\\\\," hides the separator from ldapts', () => {
    // "ends\" written with a backslash+char escape: the separator follows a backslash.
    const charEscaped = 'CN=ends\\\\,OU=x';
    expect(parseDn(charEscaped)[0]).toEqual([{ type: 'CN', value: 'ends\\' }]);
    expect(charEscaped.search(LDAPTS_SPLIT)).toBe(-1);
    expect(childDn('CN', 'ends\\', 'OU=x')).toBe('CN=ends\\5C,OU=x');
  });
});

describe('escapeDnValue', () => {
  it('writes every special as a hex pair', () => {
    expect(escapeDnValue('a,b+c"d\\e<f>g;h=i')).toBe('a\\2Cb\\2Bc\\22d\\5Ce\\3Cf\\3Eg\\3Bh\\3Di');
    expect(escapeDnValue('\0')).toBe('\\00');
    expect(escapeDnValue('a\nb')).toBe('a\\0Ab');
  });

  it('escapes # and space only where RFC 4514 requires it', () => {
    expect(escapeDnValue('#a#')).toBe('\\23a#');
    expect(escapeDnValue(' a b ')).toBe('\\20a b\\20');
    expect(escapeDnValue(' ')).toBe('\\20');
    expect(escapeDnValue('  ')).toBe('\\20\\20');
  });

  it('leaves non-ASCII as UTF-8 text', () => {
    expect(escapeDnValue('Søren Ærø Åse')).toBe('Søren Ærø Åse');
  });

  it('refuses an empty value', () => {
    expect(() => escapeDnValue('')).toThrow(DnError);
  });
});

describe('parseDn', () => {
  it('reads backslash+char escapes as servers write them', () => {
    expect(parseDn('CN=Smith\\, John,OU=x')).toEqual([
      [{ type: 'CN', value: 'Smith, John' }],
      [{ type: 'OU', value: 'x' }],
    ]);
    expect(parseDn('CN=\\"q\\"\\+\\;\\<\\>\\=\\\\,DC=x')[0]).toEqual([{ type: 'CN', value: '"q"+;<>=\\' }]);
    expect(parseDn('CN=\\#1,DC=x')[0]).toEqual([{ type: 'CN', value: '#1' }]);
  });

  it('reads hex escapes, multi-byte UTF-8 included, in either case', () => {
    expect(firstValue('CN=S\\C3\\B8ren \\C3\\A6\\c3\\a5,OU=x')).toBe('Søren æå');
    expect(firstValue('CN=\\F0\\9F\\91\\A9,OU=x')).toBe('👩');
    expect(firstValue('CN=Line\\0ABreak,OU=x')).toBe('Line\nBreak');
    expect(firstValue('CN=Søren Ærø,OU=x')).toBe('Søren Ærø');
  });

  it('drops unescaped spaces around separators, keeps escaped ones', () => {
    expect(parseDn(' CN = a b , OU = c ')).toEqual([
      [{ type: 'CN', value: 'a b' }],
      [{ type: 'OU', value: 'c' }],
    ]);
    expect(firstValue('CN=\\20a\\20,OU=b')).toBe(' a ');
    expect(firstValue('CN=\\ a\\ ,OU=b')).toBe(' a ');
    expect(firstValue('CN=a\\20 ,OU=b')).toBe('a ');
    expect(firstValue('CN=a \\20,OU=b')).toBe('a  ');
  });

  it('reads multi-valued RDNs and keeps types as written', () => {
    expect(parseDn('cn=a+uid=b,ou=c')).toEqual([
      [
        { type: 'cn', value: 'a' },
        { type: 'uid', value: 'b' },
      ],
      [{ type: 'ou', value: 'c' }],
    ]);
    expect(parseDn('2.5.4.3=a')).toEqual([[{ type: '2.5.4.3', value: 'a' }]]);
    expect(parseDn('')).toEqual([]);
  });

  it.each([
    ['CN=#04024869,OU=x', /BER/],
    ['CN=\\C3,OU=x', /UTF-8/],
    ['CN=\\q,OU=x', /invalid escape/],
    ['CN=a"b,OU=x', /unescaped/],
    ['CN=a;OU=x', /unescaped/],
    ['CN=a,', /missing "="/],
    ['CN=a,,OU=x', /not an attribute type/],
    ['CN=,OU=x', /empty value/],
    ['CN=a+,OU=x', /not an attribute type/],
    ['C N=a', /not an attribute type/],
    ['just text', /missing "="/],
  ])('rejects %s', (dn, message) => {
    expect(() => parseDn(dn)).toThrow(DnError);
    expect(() => parseDn(dn)).toThrow(message);
  });
});

describe('formatDn, rdnOf, childDn', () => {
  it('formats multi-valued RDNs with a literal "+"', () => {
    expect(
      formatDn([
        [
          { type: 'CN', value: 'a+b' },
          { type: 'UID', value: 'c' },
        ],
        [{ type: 'DC', value: 'x' }],
      ]),
    ).toBe('CN=a\\2Bb+UID=c,DC=x');
  });

  it('re-writes the parent in the hex form', () => {
    expect(childDn('OU', 'Skole', 'ou=Børn\\, Unge,DC=k')).toBe('OU=Skole,ou=Børn\\2C Unge,DC=k');
    expect(childDn('DC', 'x', '')).toBe('DC=x');
  });

  it('refuses an attribute type that is not a name', () => {
    expect(() => rdnOf('CN=x,OU', 'y')).toThrow(DnError);
    expect(() => childDn('', 'y', PARENT)).toThrow(DnError);
    expect(() => formatDn([[{ type: 'C N', value: 'y' }]])).toThrow(DnError);
    expect(() => formatDn([[]])).toThrow(DnError);
  });
});

describe('normaliseDn, sameDn, parentDn, firstValue', () => {
  it('normalises types to upper case and escapes to hex', () => {
    expect(normaliseDn('cn=Smith\\, John, ou=x,dc=Example')).toBe('CN=Smith\\2C John,OU=x,DC=Example');
    expect(normaliseDn('uid=b+cn=a,dc=x')).toBe(normaliseDn('CN=a+UID=b,DC=x'));
  });

  it('compares DNs case-insensitively, whatever the escaping', () => {
    expect(sameDn('CN=Smith\\, John,OU=X,DC=ex', 'cn=smith\\2c john,ou=x, dc=EX')).toBe(true);
    expect(sameDn('CN=Søren Ærø,DC=x', 'cn=S\\C3\\B8REN \\C3\\86R\\C3\\B8,dc=x')).toBe(true);
    expect(sameDn('CN=Smith\\, John,DC=x', 'CN=Smith,CN=John,DC=x')).toBe(false);
    expect(sameDn('CN=a,DC=x', 'CN=a\\20,DC=x')).toBe(false);
  });

  it('gives the parent and the first value', () => {
    expect(parentDn('CN=Smith\\, John,OU=A\\,B,DC=x')).toBe('OU=A\\2CB,DC=x');
    expect(parentDn('DC=x')).toBe('');
    expect(() => parentDn('')).toThrow(DnError);
    expect(firstValue('CN=Smith\\, John,OU=x')).toBe('Smith, John');
    expect(firstValue('CN=a+UID=b,OU=x')).toBe('a');
    expect(() => firstValue('')).toThrow(DnError);
  });
});
