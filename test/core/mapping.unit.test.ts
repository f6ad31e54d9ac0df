import { describe, expect, it } from 'vitest';
import { ObjectMapping } from '../../src/config/schema.js';
import { buildDesired, compileMapping } from '../../src/mapping/desired.js';
import { compileExpression, toAscii } from '../../src/mapping/expression.js';
import { validateExport } from '../../src/validate/snapshot.js';
import { person, position, smallOrg } from './fixtures.js';

const any = () => true;

describe('attribute expressions', () => {
  it('interpolates text and keeps the type of a lone placeholder', () => {
    const scope = { p: { a: 'Søren', b: 'Ærø', n: 0.5, t: true, none: null } };
    expect(compileExpression('${p.a} ${p.b}', any).evaluate(scope)).toBe('Søren Ærø');
    expect(compileExpression('${p.n}', any).evaluate(scope)).toBe(0.5);
    expect(compileExpression('${p.t}', any).evaluate(scope)).toBe(true);
    expect(compileExpression('${p.none}', any).evaluate(scope)).toBeNull();
    expect(compileExpression('${p.missing}', any).evaluate(scope)).toBeNull();
    expect(compileExpression('Kommune', any).evaluate(scope)).toBe('Kommune');
    expect(compileExpression('', any).evaluate(scope)).toBeNull();
  });

  it('applies filters left to right, with quoted arguments', () => {
    const scope = { p: { a: '  Åse  Øster-Ærbo ', e: '' } };
    const ev = (src: string) => compileExpression(src, any).evaluate(scope);
    expect(ev('${p.a | trim | lower}')).toBe('åse øster-ærbo');
    expect(ev('${p.a | trim | ascii | upper}')).toBe('AASE OESTER-AERBO');
    expect(ev('${p.a | trim | truncate(3)}')).toBe('Åse');
    expect(ev("${p.e | default('ukendt')}")).toBe('ukendt');
    expect(ev('${p.a | trim | replace("-", " | ")}')).toBe('Åse Øster | Ærbo');
  });

  it('folds Danish letters the Danish way', () => {
    expect(toAscii('Ærø Søndergård Müller Zoë')).toBe('Aeroe Soendergaard Mueller Zoe');
  });

  it('refuses unknown filters, bad arguments, unclosed placeholders and non-paths', () => {
    for (const bad of [
      '${p.a | shout}',
      '${p.a | truncate}',
      '${p.a | truncate(x)}',
      '${p.a',
      '${p.a | default("x)}',
      '${a[0]}',
      '${constructor.name}',
    ]) {
      expect(() => compileExpression(bad, (p) => p.startsWith('p.')), bad).toThrow();
    }
  });

  it('refuses target attribute names that every object already has, or that are not names', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', '1st', 'a b', '']) {
      const r = ObjectMapping.safeParse({ attributes: { [name]: 'x' } });
      expect(r.success, name).toBe(false);
    }
    const ok = [
      'department',
      'name.givenName',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    ];
    for (const name of ok)
      expect(ObjectMapping.safeParse({ attributes: { [name]: 'x' } }).success, name).toBe(true);
  });

  it('cannot reach outside the data it is given', () => {
    const c = compileExpression('${p.__proto__}', any);
    expect(c.evaluate({ p: {} })).toBeNull();
  });

  it('checks field names per object type and marks CPR-derived attributes sensitive', () => {
    expect(() =>
      compileMapping('unit', { attributes: { x: '${person.givenName}' }, sensitive: [] }, 'm'),
    ).toThrow(/unknown field "person.givenName"/);
    expect(() =>
      compileMapping('person', { attributes: { x: '${person.nmae}' }, sensitive: [] }, 'm'),
    ).toThrow(/m.x/);
    const m = compileMapping(
      'person',
      { attributes: { id: '${person.cpr | digits}', n: '${person.givenName}' }, sensitive: ['n'] },
      'm',
    );
    expect(m.sensitive.sort()).toEqual(['id', 'n']);
    expect(() =>
      compileMapping('unit', { attributes: { s: '${unit.address.street}' }, sensitive: [] }, 'm'),
    ).not.toThrow();
  });
});

describe('buildDesired', () => {
  const snap = () => validateExport(smallOrg(), { asOf: '2026-11-22' }).snapshot;
  const mappings = () => ({
    unit: compileMapping(
      'unit',
      { attributes: { name: '${unit.name}', boss: '${manager.key}' }, sensitive: [] },
      'u',
    ),
    person: compileMapping(
      'person',
      { attributes: { unit: '${unit.key}', boss: '${manager.key}' }, sensitive: [] },
      'p',
    ),
  });

  it('maps units and persons with parents, managers and dependencies', () => {
    const d = buildDesired(snap(), { excludeUnitTypes: [] }, mappings());
    expect(d.get('unit:4')).toMatchObject({ parentKey: '2', attrs: { name: 'Enhed 4', boss: null } });
    expect(d.get('unit:2')!.attrs['boss']).toBe('pa');
    // pb sits on 4 (primary, lowest number); the nearest manager above is pa of unit 2.
    expect(d.get('person:pb')).toMatchObject({
      parentKey: '4',
      attrs: { unit: '4', boss: 'pa' },
      // ...and waits for pa's account when both are created in one run (AD's manager DN).
      dependsOn: ['unit:4', 'person:pa'],
    });
    // A manager is not their own manager: pa's manager is looked for above unit 2.
    expect(d.get('person:pa')!.attrs['boss']).toBeNull();
  });

  it('lifts positions on excluded unit types to the nearest kept unit and limits to subtrees', () => {
    const d = buildDesired(snap(), { excludeUnitTypes: ['leaf'] }, mappings());
    expect(d.has('unit:4')).toBe(false);
    expect(d.get('person:pb')!.parentKey).toBe('2');
    const sub = buildDesired(snap(), { subtrees: ['3'], excludeUnitTypes: [] }, mappings());
    expect([...sub.keys()].sort()).toEqual(['person:pb', 'unit:3']);
    expect(sub.get('unit:3')!.parentKey).toBeNull();
    // In this subtree pb's only position is 102 on unit 3.
    expect(sub.get('person:pb')!.parentKey).toBe('3');
  });

  it("finds a person's manager from their own HR unit, even when that unit type is skipped", () => {
    const exp = smallOrg();
    exp.persons.push(person('pc', { cpr: '0303803333' }));
    exp.positions.push(position('103', 'pc', '4', { manager: true }));
    const snap = validateExport(exp, { asOf: '2026-11-22' }).snapshot;
    const d = buildDesired(snap, { excludeUnitTypes: ['leaf'] }, mappings());
    expect(d.get('person:pb')).toMatchObject({ parentKey: '2', attrs: { unit: '2', boss: 'pc' } });
    // and unit.parentKey in a mapping is the parent as this target sees it
    const u = buildDesired(
      snap,
      { unitTypes: ['A'], excludeUnitTypes: [] },
      {
        unit: compileMapping('unit', { attributes: { p: '${unit.parentKey}' }, sensitive: [] }, 'u'),
      },
    );
    expect(u.get('unit:2')!.attrs['p']).toBeNull();
  });

  it('keeps only the unit types asked for', () => {
    const d = buildDesired(snap(), { unitTypes: ['A'], excludeUnitTypes: [] }, { unit: mappings().unit });
    expect([...d.keys()]).toEqual(['unit:2']);
  });
});
