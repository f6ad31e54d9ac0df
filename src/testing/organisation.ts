/**
 * The small organisation the conformance suite syncs, as a json-hr export, and the edits
 * each case makes to it. Small enough to read, and it still has what trips connectors: a
 * three-level tree, a manager, names with commas, quotes, plus signs and æøå.
 *
 *   1  Testkommune
 *   ├─ 10 Borgerservice, Løn & "Personale"   (Anne, manager; Carl after the move)
 *   └─ 20 Skole + Dagtilbud                  (Bo)
 *      └─ 21 Indskoling                      (Carl; moved under 10 by the move case)
 */

interface Unit {
  key: string;
  parentKey: string | null;
  name: string;
  costCentre?: string;
}
interface Person {
  cpr: string;
  givenName: string;
  surname: string;
  email: string;
  userId: string;
}
interface Position {
  key: string;
  cpr: string;
  unitKey: string;
  title: string;
  primary: boolean;
  manager: boolean;
  validFrom: string;
}
export interface Organisation {
  exportedAt: string;
  units: Unit[];
  persons: Person[];
  positions: Position[];
}

// Made-up CPR numbers (no person has them); they never reach a target, only their keyed hash.
const ANNE = '0101701111';
const BO = '0202802222';
const CARL = '0303903333';

export function initialOrganisation(): Organisation {
  return {
    exportedAt: '2026-01-05T22:00:00Z',
    units: [
      { key: '1', parentKey: null, name: 'Testkommune', costCentre: '100' },
      { key: '10', parentKey: '1', name: 'Borgerservice, Løn & "Personale"', costCentre: '110' },
      { key: '20', parentKey: '1', name: 'Skole + Dagtilbud', costCentre: '120' },
      { key: '21', parentKey: '20', name: 'Indskoling', costCentre: '121' },
    ],
    persons: [
      { cpr: ANNE, givenName: 'Anne', surname: 'Ærø-Hansen', email: 'anne@testkommune.dk', userId: 'ANNE' },
      { cpr: BO, givenName: 'Bo', surname: "O'Brien, jr.", email: 'bo@testkommune.dk', userId: 'BO' },
      { cpr: CARL, givenName: 'Carl', surname: 'Øster', email: 'carl@testkommune.dk', userId: 'CARL' },
    ],
    positions: [
      {
        key: 'p-anne',
        cpr: ANNE,
        unitKey: '10',
        title: 'Afdelingschef',
        primary: true,
        manager: true,
        validFrom: '2020-01-01',
      },
      {
        key: 'p-bo',
        cpr: BO,
        unitKey: '20',
        title: 'Lærer',
        primary: true,
        manager: false,
        validFrom: '2021-08-01',
      },
      {
        key: 'p-carl',
        cpr: CARL,
        unitKey: '21',
        title: 'Pædagog',
        primary: true,
        manager: false,
        validFrom: '2022-03-01',
      },
    ],
  };
}

const unit = (o: Organisation, key: string) => o.units.find((u) => u.key === key)!;
const person = (o: Organisation, userId: string) => o.persons.find((p) => p.userId === userId)!;
const position = (o: Organisation, key: string) => o.positions.find((p) => p.key === key)!;

/** The edits, each on top of the one before, as the cases apply them. */
export const edits = {
  /** Renames a unit, changes a person's surname, e-mail and title. */
  update(o: Organisation): void {
    unit(o, '20').name = 'Skoler og Dagtilbud';
    const bo = person(o, 'BO');
    bo.surname = "O'Brien-Ærø";
    bo.email = 'bo.obrien@testkommune.dk';
    position(o, 'p-bo').title = 'Overlærer';
  },
  /** Moves unit 21 from 20 to 10, and Carl from 21 to 10. */
  move(o: Organisation): void {
    unit(o, '21').parentKey = '10';
    position(o, 'p-carl').unitKey = '10';
  },
  /** Bo leaves: no person, no position. */
  leave(o: Organisation): void {
    o.persons = o.persons.filter((p) => p.userId !== 'BO');
    o.positions = o.positions.filter((p) => p.key !== 'p-bo');
  },
  /** Bo comes back. */
  rejoin(o: Organisation): void {
    const back = initialOrganisation();
    o.persons.push(person(back, 'BO'));
    o.positions.push({ ...position(back, 'p-bo'), title: 'Overlærer' });
    person(o, 'BO').surname = "O'Brien-Ærø";
    person(o, 'BO').email = 'bo.obrien@testkommune.dk';
  },
  /** Carl leaves and unit 21, now empty, is closed. */
  remove(o: Organisation): void {
    o.persons = o.persons.filter((p) => p.userId !== 'CARL');
    o.positions = o.positions.filter((p) => p.key !== 'p-carl');
    o.units = o.units.filter((u) => u.key !== '21');
  },
};
