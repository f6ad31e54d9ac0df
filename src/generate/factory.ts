/**
 * Makes single records (a person, an employment, a unit) for both the day-0 generator and the
 * daily churn, so that new hires and new units look like the ones generated on day 0.
 */
import { fromDays, toDays } from './dates.js';
import { cprBirthDate, isMaleCpr, newCpr, newCvr, newEan, newPNr, type UserIdPool } from './identifiers.js';
import type { GenEmployment, GenUnit, MunicipalityProfile, Town } from './model.js';
import {
  asciiFold,
  COMMON_TITLES,
  CONTRACTS,
  type Contract,
  type Domain,
  givenName,
  type JobTitle,
  managerTitle,
  orgTypeFor,
  shortNameOf,
  streetAddress,
  surname,
  TITLES,
  townName,
  unitName,
} from './names.js';
import { makeWeighted, type Rng } from './random.js';

const YEAR = 365.25;
/** Nobody in the data was hired before this; OPUS histories rarely go further back. */
const EARLIEST_ENTRY = toDays('1975-01-01');
/** The 2007 municipal reform: most units "start" then. */
export const REFORM_DATE = '2007-01-01';

/** What keeps identifiers unique across a municipality's people, on day 0 and in churn. */
export interface Identities {
  cprs: Set<string>;
  userIds: UserIdPool;
}

export type PersonData = Pick<
  GenEmployment,
  | 'cpr'
  | 'firstName'
  | 'lastName'
  | 'address'
  | 'postalCode'
  | 'city'
  | 'country'
  | 'email'
  | 'userId'
  | 'workPhone'
> & { birthDays: number };

export function newProfile(rng: Rng): MunicipalityProfile {
  const names = new Set<string>();
  const zips = new Set<string>();
  const base = rng.int(40, 97) * 100;
  const towns: Town[] = [];
  const count = rng.int(4, 8);
  while (towns.length < count) {
    const city = townName(rng);
    const zip = towns.length === 0 ? String(base) : String(base + rng.int(1, 9) * 10 + rng.int(0, 9));
    if (names.has(city) || zips.has(zip)) continue;
    names.add(city);
    zips.add(zip);
    towns.push({ zipCode: zip, city });
  }
  const seat = towns[0]!.city;
  return {
    name: `${seat} Kommune`,
    cvr: newCvr(rng),
    emailDomain: `${asciiFold(seat)}.dk`,
    phonePrefix: String(rng.int(70, 99)) + String(rng.int(10, 99)),
    towns,
  };
}

/** Ages 18-67, weighted towards the middle as a workforce is. */
function birthDaysFor(rng: Rng, asOfDays: number): number {
  const age = rng.weighted<[number, number]>([
    [[18, 24], 8],
    [[25, 34], 22],
    [[35, 44], 25],
    [[45, 54], 25],
    [[55, 67], 20],
  ]);
  return asOfDays - Math.floor(rng.int(age[0], age[1]) * YEAR) - rng.int(0, 364);
}

export function newPerson(
  rng: Rng,
  profile: MunicipalityProfile,
  ids: Identities,
  asOfDays: number,
): PersonData {
  const birthDays = birthDaysFor(rng, asOfDays);
  const cpr = newCpr(rng, birthDays, ids.cprs);
  // The CPR's last digit is the legal sex; the name follows it.
  const firstName = givenName(rng, !isMaleCpr(cpr));
  const lastName = surname(rng);
  const home: Town = rng.chance(0.85)
    ? rng.pick(profile.towns)
    : { zipCode: String(rng.int(10, 99) * 100 + rng.int(0, 99)), city: townName(rng) };
  const userId = rng.chance(0.93) ? ids.userIds.claim(firstName, lastName) : '';
  return {
    cpr,
    birthDays,
    firstName,
    lastName,
    address: streetAddress(rng),
    postalCode: home.zipCode,
    city: home.city,
    country: rng.chance(0.95) ? 'DK' : '',
    email: userId ? `${userId}@${profile.emailDomain}` : '',
    userId,
    workPhone: rng.chance(0.4) ? profile.phonePrefix + String(rng.int(0, 9999)).padStart(4, '0') : '',
  };
}

/** A past hire date: tenure roughly exponential (mean 7 years), often on the 1st of a month. */
export function pastEntryDays(rng: Rng, birthDays: number, asOfDays: number): number {
  const tenure = Math.floor(-Math.log(1 - rng.next()) * 7 * YEAR);
  let entry = Math.max(asOfDays - 1 - tenure, birthDays + Math.ceil(18 * YEAR), EARLIEST_ENTRY);
  if (rng.chance(0.6)) {
    const iso = fromDays(entry);
    entry = toDays(`${iso.slice(0, 8)}01`);
  }
  return Math.min(entry, asOfDays);
}

// Staff titles per domain: units at depth 1-3 are administrations, deeper ones do the work.
const titlePickers = new Map<string, (rng: Rng) => JobTitle>();
function staffTitle(rng: Rng, domain: Domain, level: number): JobTitle {
  const key = level <= 3 ? 'admin' : domain;
  let picker = titlePickers.get(key);
  if (!picker) {
    const list = [...TITLES[key as Domain], ...COMMON_TITLES];
    picker = makeWeighted(
      list,
      list.map((x) => x.weight),
    );
    titlePickers.set(key, picker);
  }
  return picker(rng);
}

function contractFor(rng: Rng, title: JobTitle, isManager: boolean, secondary: boolean): Contract {
  if (title.trainee) return CONTRACTS.trainee;
  if (isManager) return rng.chance(0.1) ? CONTRACTS.civilServant : CONTRACTS.monthly;
  if (secondary && rng.chance(0.6)) return CONTRACTS.hourly;
  return rng.weighted<Contract>([
    [CONTRACTS.monthly, 80],
    [CONTRACTS.hourly, 11],
    [CONTRACTS.civilServant, 6],
    [CONTRACTS.flexJob, 3],
  ]);
}

/** OPUS pads some numeric fields; readers must trim. */
const maybePad = (rng: Rng, value: string): string => (rng.chance(0.15) ? value.padEnd(10, ' ') : value);

export interface EmploymentSpec {
  id: string;
  person: PersonData;
  unit: GenUnit;
  /** The unit's depth (root = 1). */
  level: number;
  entryDate: string;
  asOf: string;
  isManager: boolean;
  /** A person's second or third employment: more often hourly. */
  secondary: boolean;
}

export function newEmployment(rng: Rng, spec: EmploymentSpec): GenEmployment {
  const { person, unit } = spec;
  const title = spec.isManager
    ? managerTitle(spec.level, unit.longName)
    : staffTitle(rng, unit.domain, spec.level);
  const contract = contractFor(rng, title, spec.isManager, spec.secondary);
  const hourly = contract.code === CONTRACTS.hourly.code;
  const hours = hourly
    ? rng.int(4, 20)
    : rng.weighted<number>([
        [37, 62],
        [32, 14],
        [30, 10],
        [28, 6],
        [25, 5],
        [20, 3],
      ]);
  const asOfDays = toDays(spec.asOf);
  const entryDays = toDays(spec.entryDate);
  // Temporary contracts carry a known end date in the future.
  const leaveDate =
    !spec.isManager && rng.chance(0.03) ? fromDays(Math.max(asOfDays, entryDays) + rng.int(14, 365)) : null;
  const lastChanged = fromDays(
    entryDays > asOfDays ? asOfDays - rng.int(0, 20) : Math.max(entryDays, asOfDays - rng.int(0, 900)),
  );
  return {
    id: spec.id,
    lastChanged,
    entryDate: spec.entryDate,
    leaveDate,
    cpr: person.cpr,
    firstName: person.firstName,
    lastName: person.lastName,
    address: person.address,
    postalCode: person.postalCode,
    city: person.city,
    country: person.country,
    email: person.email,
    userId: person.userId,
    workPhone: person.workPhone,
    workContract: contract.code,
    workContractText: contract.text,
    positionId: title.positionId,
    position: title.position,
    positionShort: title.positionShort,
    isManager: spec.isManager,
    orgUnit: unit.id,
    payGradeText: spec.isManager ? 'Lederløn' : hourly ? 'Timeløn' : `Løntrin ${rng.int(11, 50)}`,
    numerator: maybePad(rng, `${hours}.00`),
    denominator: maybePad(rng, '37.00'),
  };
}

/** The person behind an existing employment, for giving them another one. */
export const personOf = (e: GenEmployment): PersonData => ({
  cpr: e.cpr,
  firstName: e.firstName,
  lastName: e.lastName,
  address: e.address,
  postalCode: e.postalCode,
  city: e.city,
  country: e.country,
  email: e.email,
  userId: e.userId,
  workPhone: e.workPhone,
  birthDays: toDays(cprBirthDate(e.cpr) ?? '1970-01-01'),
});

/** Appends " 2", " 3"... until the name is free among its siblings. */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name} ${n}`;
  taken.add(candidate);
  return candidate;
}

export interface UnitSpec {
  id: string;
  parent: GenUnit | null;
  level: number;
  domain: Domain;
  profile: MunicipalityProfile;
  startDate: string;
  asOf: string;
  /** Long names already used under the same parent. */
  siblingNames: Set<string>;
}

export function newUnit(rng: Rng, spec: UnitSpec): GenUnit {
  const { parent, level, profile } = spec;
  const town = rng.pick(profile.towns);
  const longName =
    level === 1
      ? profile.name
      : uniqueName(unitName(rng, spec.domain, level, parent?.longName ?? '', town.city), spec.siblingNames);
  const type = orgTypeFor(level);
  // Teams and groups usually sit in their institution's building.
  const inherit = parent !== null && level >= 5 && rng.chance(0.8);
  const ownsNumbers = level <= 4;
  const asOfDays = toDays(spec.asOf);
  const startDays = toDays(spec.startDate);
  return {
    id: spec.id,
    lastChanged: fromDays(
      startDays > asOfDays ? asOfDays - rng.int(0, 20) : Math.max(startDays, asOfDays - rng.int(0, 1500)),
    ),
    parentOrgUnit: parent?.id ?? null,
    shortName: level === 1 ? shortNameOf(profile.name) : shortNameOf(longName),
    longName,
    startDate: spec.startDate,
    endDate: null,
    street: inherit ? parent.street : streetAddress(rng),
    zipCode: inherit ? parent.zipCode : town.zipCode,
    city: inherit ? parent.city : town.city,
    phoneNumber: rng.chance(ownsNumbers ? 0.9 : 0.4)
      ? profile.phonePrefix + String(rng.int(0, 9999)).padStart(4, '0')
      : '',
    cvrNr: profile.cvr,
    eanNr: ownsNumbers && rng.chance(0.9) ? newEan(rng) : '',
    seNr: level === 1 ? profile.cvr : '',
    pNr: level === 1 || level === 4 ? newPNr(rng) : '',
    costCenter: rng.chance(0.9) ? String(rng.int(100000, 999999)) : '',
    orgType: type.code,
    orgTypeTxt: type.text,
    domain: spec.domain,
  };
}
