/**
 * The generator's in-memory municipality. It mirrors the KMD OPUS export field for field
 * (strings as OPUS writes them, '' for an empty element), so that writing a file is a plain
 * serialisation and tests can reason about exactly what a reader will see.
 */
import type { Domain } from './names.js';

export interface GenUnit {
  id: string;
  /** OPUS `lastChanged` attribute: the day HR last touched the record. */
  lastChanged: string;
  /** null for the root; written as an empty element. */
  parentOrgUnit: string | null;
  shortName: string;
  longName: string;
  startDate: string;
  /** null = open-ended, written as 9999-12-31. */
  endDate: string | null;
  street: string;
  zipCode: string;
  city: string;
  phoneNumber: string;
  cvrNr: string;
  eanNr: string;
  seNr: string;
  pNr: string;
  costCenter: string;
  orgType: string;
  orgTypeTxt: string;
  /** Generator-only (not written): decides the names of new children and the titles of staff. */
  domain: Domain;
}

/** One employment (OPUS `employee`): a person appears once per employment, keyed by CPR. */
export interface GenEmployment {
  /** The employment number. */
  id: string;
  lastChanged: string;
  /** A leaver: written as an `employee` element with this attribute and no children. */
  action?: 'leave';
  entryDate: string;
  /** null = open-ended, written as an empty element. */
  leaveDate: string | null;
  cpr: string;
  firstName: string;
  lastName: string;
  /** Private address; OPUS sends it, orgsync should not need it. */
  address: string;
  postalCode: string;
  city: string;
  country: string;
  email: string;
  userId: string;
  workPhone: string;
  workContract: string;
  workContractText: string;
  positionId: string;
  position: string;
  positionShort: string;
  isManager: boolean;
  orgUnit: string;
  payGradeText: string;
  /** Weekly hours as OPUS writes them, sometimes with trailing spaces ("37.00   "). */
  numerator: string;
  denominator: string;
}

export interface Town {
  zipCode: string;
  city: string;
}

/** Facts about the municipality itself that new units and people are made from. */
export interface MunicipalityProfile {
  name: string;
  cvr: string;
  emailDomain: string;
  /** First four digits of the municipality's phone numbers. */
  phonePrefix: string;
  /** The first town is the seat of the town hall. */
  towns: readonly Town[];
}

export interface Municipality {
  /** The day the export describes (and was produced). */
  asOf: string;
  /** OPUS client number, written on every record. */
  client: string;
  profile: MunicipalityProfile;
  units: GenUnit[];
  employees: GenEmployment[];
  /** The next free unit id and employment number: churn hands out new ones from here. */
  nextIds: { unit: number; employment: number };
}
