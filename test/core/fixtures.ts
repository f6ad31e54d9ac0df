/** Small hand-made organisations for unit tests of the core. */
import type { Person, Position, SourceExport, Unit } from '../../src/model/schema.js';
import type { Capabilities } from '../../src/sdk/connector.js';

/** A target that can do everything but replace (it moves instead). */
export const CAN_ALL_BUT_REPLACE: Capabilities = {
  create: true,
  update: true,
  move: true,
  replace: false,
  disable: true,
  delete: true,
  read: true,
};

export const unit = (key: string, parentKey: string | null, extra: Partial<Unit> = {}): Unit => ({
  key,
  parentKey,
  name: `Enhed ${key}`,
  validFrom: null,
  validTo: null,
  ...extra,
});

export const person = (key: string, extra: Partial<Person> = {}): Person => ({
  key,
  cpr: '0101801234',
  givenName: 'Søren',
  surname: `Æblegård-${key}`,
  ...extra,
});

export const position = (
  key: string,
  personKey: string,
  unitKey: string,
  extra: Partial<Position> = {},
): Position => ({
  key,
  personKey,
  unitKey,
  title: 'Pædagog',
  manager: false,
  onLeave: false,
  validFrom: null,
  validTo: null,
  ...extra,
});

export const exportOf = (units: Unit[], persons: Person[], positions: Position[]): SourceExport => ({
  units,
  persons,
  positions,
  rejected: [],
  meta: { source: 'test', origin: 'memory' },
});

/** Root 1 with children 2 and 3, 4 under 2; two persons, one a manager of 2. */
export const smallOrg = (): SourceExport =>
  exportOf(
    [
      unit('1', null),
      unit('2', '1', { type: 'A' }),
      unit('3', '1', { type: 'B' }),
      unit('4', '2', { type: 'leaf' }),
    ],
    [person('pa'), person('pb', { cpr: '1502901111' })],
    [
      position('100', 'pa', '2', { manager: true, title: 'Leder' }),
      position('101', 'pb', '4'),
      position('102', 'pb', '3', { contractType: '01' }),
    ],
  );
