import { describe, expect, it } from 'vitest';
import { type DiffOptions, diffTarget } from '../../src/plan/diff.js';
import { type Plan, summarise } from '../../src/plan/plan.js';
import { renderPlan } from '../../src/plan/render.js';
import { safetyReasons } from '../../src/plan/safety.js';
import type { Change, CurrentObject, DesiredObject } from '../../src/sdk/types.js';
import { CAN_ALL_BUT_REPLACE } from './fixtures.js';

const ALL = CAN_ALL_BUT_REPLACE;
const depth: Record<string, number> = { '1': 1, '2': 2, '3': 3, '9': 2 };
const opts = (over: Partial<DiffOptions> = {}): DiffOptions => ({
  target: 't',
  capabilities: ALL,
  onRemove: { unit: 'delete', person: 'disable', position: 'delete' },
  fingerprint: (n, v) => `${n}=${JSON.stringify(v)}`,
  depthOf: (_t, k) => depth[k] ?? 0,
  ...over,
});
const d = (
  type: DesiredObject['type'],
  key: string,
  parentKey: string | null,
  attrs: DesiredObject['attrs'],
  dependsOn: string[] = [],
): [string, DesiredObject] => [`${type}:${key}`, { type, key, parentKey, attrs, sensitive: [], dependsOn }];
const c = (
  type: CurrentObject['type'],
  key: string,
  parentKey: string | null,
  attrs: CurrentObject['attrs'],
  disabled = false,
): [string, CurrentObject] => [
  `${type}:${key}`,
  { type, key, parentKey, attrs, disabled, targetId: `id-${key}` },
];

describe('diffTarget', () => {
  it('creates parents before children and waits for them', () => {
    const desired = new Map([
      d('unit', '3', '2', { n: 'c' }),
      d('person', 'p', '3', { n: 'x' }, ['unit:3']),
      d('unit', '1', null, { n: 'a' }),
      d('unit', '2', '1', { n: 'b' }),
    ]);
    const changes = diffTarget(desired, new Map(), opts());
    expect(changes.map((x) => `${x.action}:${x.type}:${x.key}`)).toEqual([
      'create:unit:1',
      'create:unit:2',
      'create:unit:3',
      'create:person:p',
    ]);
    expect(changes[2]!.after).toEqual(['t:unit:2']);
    expect(changes[3]!.after).toEqual(['t:unit:3']);
  });

  it('creates a manager before the people who report to them, and cuts a cycle instead of hanging', () => {
    const desired = new Map([
      d('person', 'a', null, {}, ['person:m']),
      d('person', 'm', null, {}, ['person:top']),
      d('person', 'top', null, {}, []),
      d('person', 'x', null, {}, ['person:y']),
      d('person', 'y', null, {}, ['person:x']),
    ]);
    const changes = diffTarget(desired, new Map(), opts());
    const at = (key: string) => changes.findIndex((ch) => ch.key === key);
    expect(at('top')).toBeLessThan(at('m'));
    expect(at('m')).toBeLessThan(at('a'));
    expect(changes[at('a')]!.after).toEqual(['t:person:m']);
    // x and y wait for each other in HR's data: exactly one of them waits, so both get done.
    const waits = [changes[at('x')]!.after, changes[at('y')]!.after].filter((a) => a.length > 0);
    expect(waits).toHaveLength(1);
  });

  it('deletes what it disabled once the grace period is over, and only then', () => {
    const gone = (since: string): [string, CurrentObject] => {
      const [id, o] = c('person', `p-${since}`, null, {}, true);
      return [id, { ...o, disabledSince: `${since}T02:00:00.000Z` }];
    };
    const current = new Map([
      gone('2026-10-01'),
      gone('2026-11-20'),
      c('person', 'never-dated', null, {}, true),
    ]);
    const onRemove = { unit: 'disable', person: 'disable', position: 'disable' } as const;
    const plan = diffTarget(
      new Map(),
      current,
      opts({ onRemove, asOf: '2026-11-23', deleteDisabledAfterDays: 30 }),
    );
    expect(plan.map((ch) => `${ch.action}:${ch.key}`)).toEqual(['delete:p-2026-10-01']);
    expect(plan[0]!.reason).toMatch(/disabled on 2026-10-01, 30 or more days ago/);
    expect(diffTarget(new Map(), current, opts({ onRemove, asOf: '2026-11-23' }))).toEqual([]);
  });

  it('compares values as text for a target that keeps text', () => {
    const desired = new Map([d('person', 'p', null, { n: 1, t: true, l: ['b', 'a'], one: ['x'] })]);
    const current = new Map([c('person', 'p', null, { n: '1', t: 'TRUE', l: ['a', 'b'], one: 'x' })]);
    const changes = diffTarget(desired, current, opts({ textValues: true }));
    expect(changes.map((ch) => ch.attrs.map((a) => a.name))).toEqual([['t']]);
    expect(diffTarget(desired, current, opts())).toHaveLength(1);
  });

  it('updates only the attributes that differ and treats empty, null and missing alike', () => {
    const desired = new Map([d('unit', '1', null, { n: 'new', e: '', same: 'x' })]);
    const current = new Map([c('unit', '1', null, { n: 'old', e: null, same: 'x', extra: 'kept' })]);
    const [change] = diffTarget(desired, current, opts());
    expect(change).toMatchObject({
      action: 'update',
      attrs: [{ name: 'n', old: 'old', new: 'new' }],
      targetId: 'id-1',
    });
  });

  it('finds nothing to do when the target matches', () => {
    const desired = new Map([d('unit', '1', null, { n: 'a', l: ['x', 'y'] })]);
    const current = new Map([c('unit', '1', null, { n: 'a', l: ['x', 'y'] })]);
    expect(diffTarget(desired, current, opts())).toEqual([]);
  });

  it('compares by fingerprint when only fingerprints are known', () => {
    const desired = new Map([d('unit', '1', null, { n: 'a', m: 'changed', z: null })]);
    const current = new Map<string, CurrentObject>([
      [
        'unit:1',
        {
          type: 'unit',
          key: '1',
          parentKey: null,
          disabled: false,
          fingerprints: { n: 'n="a"', m: 'm="before"' },
        },
      ],
    ]);
    const [change] = diffTarget(desired, current, opts());
    expect(change!.attrs).toEqual([{ name: 'm', new: 'changed', sensitive: undefined }]);
  });

  it('moves, or replaces when the target cannot move', () => {
    const desired = new Map([d('unit', '2', '9', { n: 'b' })]);
    const current = new Map([c('unit', '2', '1', { n: 'b' })]);
    expect(diffTarget(desired, current, opts())[0]).toMatchObject({
      action: 'move',
      oldParentKey: '1',
      parentKey: '9',
      attrs: [],
    });
    const replaced = diffTarget(
      desired,
      current,
      opts({ capabilities: { ...ALL, move: false, replace: true } }),
    )[0]!;
    expect(replaced).toMatchObject({ action: 'replace', attrs: [{ name: 'n', new: 'b' }] });
  });

  it('removes children before parents, per policy, and re-enables what comes back', () => {
    const current = new Map([
      c('unit', '1', null, {}),
      c('unit', '2', '1', {}),
      c('person', 'p', '2', {}),
      c('person', 'q', '1', {}, true),
    ]);
    const desired = new Map([d('unit', '1', null, {}), d('person', 'q', '1', {})]);
    const changes = diffTarget(desired, current, opts());
    expect(changes.map((x) => `${x.action}:${x.type}:${x.key}`)).toEqual([
      'update:person:q',
      'disable:person:p',
      'delete:unit:2',
    ]);
    expect(changes[0]!.enable).toBe(true);
    expect(changes[2]!.after).toEqual(['t:person:p']);
    // an object already disabled is not disabled again
    const again = diffTarget(new Map(), new Map([c('person', 'p', null, {}, true)]), opts());
    expect(again).toEqual([]);
  });

  it('removes a closed subtree deepest first, though HR no longer knows its depth', () => {
    // Units 20 > 21 > 22 are gone from HR: the snapshot has no depth for them (0).
    const current = new Map([
      c('unit', '1', null, {}),
      c('unit', '20', '1', {}),
      c('unit', '21', '20', {}),
      c('unit', '22', '21', {}),
    ]);
    const changes = diffTarget(new Map([d('unit', '1', null, {})]), current, opts({ depthOf: () => 0 }));
    expect(changes.map((x) => x.key)).toEqual(['22', '21', '20']);
    expect(changes[1]!.after).toEqual(['t:unit:22']);
    expect(changes[2]!.after).toEqual(['t:unit:21']);
  });

  it('plans only operations the target declared', () => {
    const desired = new Map([d('unit', '1', null, { n: 'a' }), d('unit', '2', '9', { n: 'new' })]);
    const current = new Map([c('unit', '2', '1', { n: 'old' })]);
    const none = {
      create: false,
      update: false,
      move: false,
      replace: false,
      disable: true,
      delete: false,
      read: true,
    };
    expect(diffTarget(desired, current, opts({ capabilities: none }))).toEqual([]);
    // Without move or replace, where an object sits is not the target's concern: only attributes change.
    const [u] = diffTarget(desired, current, opts({ capabilities: { ...none, update: true } }));
    expect(u).toMatchObject({ action: 'update', attrs: [{ name: 'n', old: 'old', new: 'new' }] });
    expect(u!.oldParentKey).toBeUndefined();
  });

  it('leaves objects of quarantined records as they are', () => {
    const current = new Map([c('unit', '1', null, {}), c('person', 'p', '1', {}), c('person', 'q', '1', {})]);
    const changes = diffTarget(
      new Map([d('unit', '1', null, {})]),
      current,
      opts({ held: new Set(['person:p']) }),
    );
    expect(changes.map((x) => `${x.action}:${x.key}`)).toEqual(['disable:q']);
  });

  it('leaves removals alone under the ignore policy', () => {
    const changes = diffTarget(
      new Map(),
      new Map([c('unit', '1', null, {})]),
      opts({ onRemove: { unit: 'ignore', person: 'ignore', position: 'ignore' } }),
    );
    expect(changes).toEqual([]);
  });
});

describe('safety thresholds', () => {
  const s = (disable: number, create = 0) => ({ ...summarise([]), disable, create });
  it('blocks on count, share and total changes', () => {
    expect(safetyReasons(s(5), 100, { maxRemovals: 10, maxRemovalShare: 0.1 })).toEqual([]);
    expect(safetyReasons(s(11), 1000, { maxRemovals: 10, maxRemovalShare: 0.1 })[0]).toMatch(
      /exceed maxRemovals 10/,
    );
    expect(safetyReasons(s(30), 100, { maxRemovals: 100, maxRemovalShare: 0.1 })[0]).toMatch(
      /30 of 100 objects \(30.0 %\)/,
    );
    expect(safetyReasons(s(2), 4, { maxRemovals: 100, maxRemovalShare: 0.1 })).toEqual([]);
    expect(safetyReasons(s(0, 50), 0, { maxRemovals: 10, maxRemovalShare: 0.1, maxChanges: 40 })[0]).toMatch(
      /50 changes exceed maxChanges 40/,
    );
  });
});

/** A plan of one target `t`, for rendering. */
function planOf(target: { currentCount: number; changes: Change[]; error?: string }, counts: number): Plan {
  return {
    formatVersion: 1,
    id: 'x',
    createdAt: '',
    asOf: '2026-11-22',
    source: {
      connector: 'test',
      origin: 'mem',
      fingerprint: 'f',
      counts: { units: counts, persons: counts, positions: counts },
    },
    quarantined: [],
    targets: [
      {
        name: 't',
        connector: 'c',
        summary: summarise(target.changes),
        blocked: null,
        changesFingerprint: '',
        ...target,
      },
    ],
  };
}

describe('renderPlan', () => {
  it('uses the plan vocabulary, masks sensitive values and ends each target with a summary', () => {
    const desired = new Map<string, DesiredObject>([
      [
        'person:p',
        {
          type: 'person',
          key: 'p',
          parentKey: null,
          attrs: { cpr: '0101801234', name: 'Åse' },
          sensitive: ['cpr'],
          dependsOn: [],
        },
      ],
    ]);
    const changes = diffTarget(desired, new Map([c('unit', '7', null, {})]), opts());
    const text = renderPlan(planOf({ currentCount: 1, changes }, 1));
    expect(text).toContain('+ person p');
    expect(text).toContain('cpr:  (sensitive value)');
    expect(text).toContain('name: "Åse"');
    expect(text).toContain('- unit 7');
    expect(text).toContain(
      'Plan: 1 to add, 0 to change, 0 to move, 0 to replace, 0 to disable, 1 to destroy.',
    );
    expect(text).not.toContain('0101801234');
  });

  it('never says a target it could not plan matches HR', () => {
    const text = renderPlan(planOf({ currentCount: 0, changes: [], error: 'cannot read units.csv' }, 0));
    expect(text).toContain('NOT PLANNED: cannot read units.csv');
    expect(text).not.toContain('matches HR');
  });
});
