import { AndFilter, EqualityFilter, FilterParser, OrFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { and, eq, escapeFilterValue, FilterError, or } from './filter.js';

const HOSTILE = [
  '*)(objectClass=*',
  '*',
  '(',
  ')',
  '\\',
  'ends in backslash\\',
  '\\2a',
  'nul\0inside',
  '*()\\\0',
  'Smith, John',
  'a=b',
  '|(&(x=1))',
  'Søren Ærø Åse',
  'x'.repeat(2000),
];

describe('escapeFilterValue', () => {
  it('escapes * ( ) \\ NUL as hex pairs', () => {
    expect(escapeFilterValue('*()\\\0')).toBe('\\2a\\28\\29\\5c\\00');
  });

  it('leaves everything else as it is', () => {
    const plain = 'Søren Ærø, a=b+c<d>e;"f" #g ~h &i |j !k';
    expect(escapeFilterValue(plain)).toBe(plain);
  });
});

describe('eq', () => {
  it('turns an injection attempt into one equality filter holding exactly the input', () => {
    const input = '*)(objectClass=*';
    const parsed = FilterParser.parseString(eq('employeeID', input));
    expect(parsed).toBeInstanceOf(EqualityFilter);
    expect((parsed as EqualityFilter).attribute).toBe('employeeID');
    expect((parsed as EqualityFilter).value).toBe(input);
  });

  it.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 40), v]))(
    "round-trips %s through ldapts's filter parser",
    (_, value) => {
      const parsed = FilterParser.parseString(eq('employeeID', value)) as EqualityFilter;
      expect(parsed).toBeInstanceOf(EqualityFilter);
      expect(parsed.value).toBe(value);
    },
  );

  it.each(['employeeID)(cn=x', 'cn=x', '', '1cn', 'employee_id', 'cn;binary', 'Søren'])(
    'refuses %j as an attribute name',
    (attribute) => {
      expect(() => eq(attribute, 'v')).toThrow(FilterError);
    },
  );
});

describe('and, or', () => {
  it('nest into the structure they say', () => {
    const filter = and(eq('objectClass', 'user'), or(eq('employeeID', '1*'), eq('employeeID', '2)')));
    expect(filter).toBe('(&(objectClass=user)(|(employeeID=1\\2a)(employeeID=2\\29)))');
    const parsed = FilterParser.parseString(filter) as AndFilter;
    expect(parsed).toBeInstanceOf(AndFilter);
    expect(parsed.filters).toHaveLength(2);
    const inner = parsed.filters[1] as OrFilter;
    expect(inner).toBeInstanceOf(OrFilter);
    expect(inner.filters.map((f) => (f as EqualityFilter).value)).toEqual(['1*', '2)']);
  });

  it('return a single filter as it is', () => {
    expect(or(eq('cn', 'a'))).toBe('(cn=a)');
  });

  it('refuse no filters and text that is not one filter', () => {
    expect(() => and()).toThrow(FilterError);
    expect(() => or()).toThrow(FilterError);
    expect(() => and('cn=a')).toThrow(FilterError);
    expect(() => and('(cn=a)(cn=b)')).toThrow(FilterError);
    expect(() => or('(cn=a))(')).toThrow(FilterError);
    expect(() => or('((cn=a)')).toThrow(FilterError);
  });
});
