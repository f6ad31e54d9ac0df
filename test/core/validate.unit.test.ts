import { describe, expect, it } from 'vitest';
import { validateExport } from '../../src/validate/snapshot.js';
import { exportOf, person, position, smallOrg, unit } from './fixtures.js';

const asOf = '2026-11-22';

describe('validateExport', () => {
  it('accepts a healthy organisation and derives depth, managers and primary positions', () => {
    const { snapshot, quarantined, structural } = validateExport(smallOrg(), { asOf });
    expect(structural).toEqual([]);
    expect(quarantined).toEqual([]);
    expect(snapshot.depth.get('4')).toBe(3);
    expect(snapshot.managers.get('2')).toEqual(['pa']);
    // Without priority the lowest employment number wins; with it, the contract type does.
    expect(snapshot.primaryPosition.get('pb')).toBe('101');
    const prioritised = validateExport(smallOrg(), { asOf, primaryContractPriority: ['01'] });
    expect(prioritised.snapshot.primaryPosition.get('pb')).toBe('102');
  });

  it('compares employment numbers numerically, not as text', () => {
    const exp = exportOf(
      [unit('1', null)],
      [person('p')],
      [position('10', 'p', '1'), position('9', 'p', '1')],
    );
    expect(validateExport(exp, { asOf }).snapshot.primaryPosition.get('p')).toBe('9');
  });

  it('stops on a cycle, naming the units in it', () => {
    const exp = exportOf([unit('1', null), unit('2', '3'), unit('3', '2')], [], []);
    const { structural } = validateExport(exp, { asOf });
    expect(structural).toHaveLength(1);
    expect(structural[0]!.code).toBe('cycle');
    expect(structural[0]!.message).toMatch(/2 -> 3 -> 2|3 -> 2 -> 3/);
  });

  it('stops when the root is missing or there are several', () => {
    expect(validateExport(exportOf([unit('2', '1')], [], []), { asOf }).structural[0]!.code).toBe('no-root');
    expect(validateExport(exportOf([], [], []), { asOf }).structural[0]!.code).toBe('no-root');
    const two = validateExport(exportOf([unit('1', null), unit('9', null)], [], []), { asOf });
    expect(two.structural[0]!.code).toBe('several-roots');
    expect(
      validateExport(exportOf([unit('1', null), unit('9', null)], [], []), { asOf, expectSingleRoot: false })
        .structural,
    ).toEqual([]);
  });

  it('quarantines a unit with a missing parent and its subtree, and positions on them', () => {
    const exp = exportOf(
      [unit('1', null), unit('5', 'gone'), unit('6', '5')],
      [person('p')],
      [position('1', 'p', '6'), position('2', 'p', '1')],
    );
    const { snapshot, quarantined, structural } = validateExport(exp, { asOf });
    expect(structural).toEqual([]);
    expect(quarantined.map((q) => `${q.recordType}:${q.key}:${q.code}`).sort()).toEqual([
      'position:1:unknown-unit',
      'unit:5:missing-parent',
      'unit:6:missing-parent',
    ]);
    expect([...snapshot.units.keys()]).toEqual(['1']);
    expect(snapshot.positions.has('2')).toBe(true);
  });

  it('quarantines duplicates, empty names and malformed CPR numbers without printing the CPR', () => {
    const exp = exportOf(
      [unit('1', null), unit('1', null, { name: 'again' }), unit('2', '1', { name: '  ' })],
      [person('ok'), person('bad', { cpr: '3213991234' }), person('short', { cpr: '12345' })],
      [position('1', 'ok', '1'), position('2', 'bad', '1'), position('3', 'short', '1')],
    );
    const { snapshot, quarantined } = validateExport(exp, { asOf });
    const codes = quarantined.map((q) => `${q.recordType}:${q.key}:${q.code}`);
    expect(codes).toContain('unit:1:duplicate-key');
    expect(codes).toContain('unit:2:invalid-field');
    expect(codes).toContain('person:bad:malformed-cpr');
    expect(codes).toContain('person:short:malformed-cpr');
    expect(codes).toContain('position:2:unknown-person');
    expect(snapshot.units.get('1')!.name).toBe('Enhed 1');
    expect(JSON.stringify(quarantined)).not.toMatch(/3213991234|12345/);
  });

  it('takes future-dated facts on their day: a hire next month, a unit that closes', () => {
    const exp = exportOf(
      [
        unit('1', null),
        unit('2', '1', { validTo: '2026-11-30' }),
        unit('3', '1', { validFrom: '2026-12-01' }),
      ],
      [person('now'), person('later')],
      [
        position('1', 'now', '2', { validTo: '2026-11-30' }),
        position('2', 'later', '3', { validFrom: '2026-12-01' }),
      ],
    );
    const today = validateExport(exp, { asOf });
    expect([...today.snapshot.units.keys()].sort()).toEqual(['1', '2']);
    expect([...today.snapshot.persons.keys()]).toEqual(['now']);
    const december = validateExport(exp, { asOf: '2026-12-01' });
    expect([...december.snapshot.units.keys()].sort()).toEqual(['1', '3']);
    expect([...december.snapshot.persons.keys()]).toEqual(['later']);
    expect(december.quarantined).toEqual([]);
  });

  it('reports a period that ends before it starts', () => {
    const exp = exportOf(
      [unit('1', null), unit('2', '1', { validFrom: '2026-12-01', validTo: '2026-01-01' })],
      [],
      [],
    );
    expect(validateExport(exp, { asOf }).quarantined[0]!.code).toBe('invalid-period');
  });
});

describe('quarantine holds target objects back', () => {
  it('holds quarantined records and persons who lost every position to quarantine', () => {
    const exp = exportOf(
      [unit('1', null), unit('5', 'gone')],
      [person('kept'), person('lost'), person('bad', { cpr: '9999999999' })],
      [
        position('1', 'kept', '1'),
        position('2', 'kept', '5'),
        position('3', 'lost', '5'),
        position('4', 'bad', '1'),
      ],
    );
    const { snapshot } = validateExport(exp, { asOf });
    expect([...snapshot.held].sort()).toEqual([
      'person:bad',
      'person:lost',
      'position:2',
      'position:3',
      'position:4',
      'unit:5',
    ]);
    // 'kept' still has a position in force: it is planned as usual, not held.
    expect(snapshot.persons.has('kept')).toBe(true);
  });
});
