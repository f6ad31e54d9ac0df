/**
 * SD Løn's records as this connector and its simulator hold them: the parts of the SD web
 * service's XML answers (PROTOCOL.md) that orgsync reads, with SD's own element names in
 * the comments. Both sides share these types and the period algebra in periods.ts, so the
 * simulator's store and the connector's delta cache cannot drift apart in meaning.
 *
 * Dates are ISO (YYYY-MM-DD) as SD answers them; SD's open end is `9999-12-31` (OPEN_END).
 */

export const OPEN_END = '9999-12-31';

/** One `Department` of GetDepartment20111201. */
export interface SdDepartment {
  /** DepartmentIdentifier: a short code, unique within the institution. */
  identifier: string;
  /** DepartmentUUIDIdentifier: unique across SD. */
  uuid: string;
  /** DepartmentLevelIdentifier: "NY6-niveau" .. "NY0-niveau", "Afdelings-niveau". */
  level: string;
  /** DepartmentName. */
  name: string;
  activationDate: string;
  deactivationDate: string;
  /** PostalAddress: StandardAddressIdentifier, PostalCode, DistrictName. */
  address?: { street?: string; postalCode?: string; city?: string };
  /** ProductionUnitIdentifier (the P-number). */
  productionUnit?: string;
  /** ContactInformation: TelephoneNumberIdentifier, EmailAddressIdentifier. */
  phones?: string[];
  emails?: string[];
}

/** Contact details as SD's ContactInformation carries them (several of each are allowed). */
export interface SdContact {
  phones: string[];
  emails: string[];
}

/** One `Person` of GetPerson20111201 / GetPersonChangedAtDate20111201. */
export interface SdPerson {
  /** PersonCivilRegistrationIdentifier: the CPR number. Sensitive. */
  cpr: string;
  givenName: string;
  surname: string;
  /** Work contact per employment: Person/Employment/ContactInformation, by EmploymentIdentifier. */
  employmentContacts: Map<string, SdContact>;
}

/** A dated value: SD's ActivationDate .. DeactivationDate, both inclusive. */
export interface Period<V> {
  from: string;
  to: string;
  value: V;
}

export interface SdProfession {
  /** JobPositionIdentifier. */
  jobPositionId: string;
  /** EmploymentName: the title. */
  name: string;
}

export interface SdDepartmentRef {
  /** DepartmentIdentifier. */
  identifier: string;
  /** DepartmentUUIDIdentifier. */
  uuid: string;
}

/** The period lists of one employment (GetEmploymentChanged's shape; GetEmployment has one of each). */
export interface SdTimelines {
  /** EmploymentStatus / EmploymentStatusCode. */
  status: Period<string>[];
  /** EmploymentDepartment. */
  department: Period<SdDepartmentRef>[];
  /** Profession. */
  profession: Period<SdProfession>[];
  /** WorkingTime / OccupationRate (1 = full time), as SD writes it: a decimal string. */
  workingTime: Period<string>[];
}

/** One `Employment` under a `Person` of GetEmployment20111201 and its changed-at siblings. */
export interface SdEmployment {
  /** PersonCivilRegistrationIdentifier of the Person it was listed under. Sensitive. */
  cpr: string;
  /** EmploymentIdentifier: unique only within an institution, and reused after status S. */
  id: string;
  /** EmploymentDate: the first day of the employment. */
  employmentDate?: string;
  timelines: SdTimelines;
  /**
   * Delta cache only: first seen in a changed-at answer, which lists just the parts that
   * changed; read in full (GetEmployment) once it holds on the run's day.
   */
  partial?: boolean;
}

export const TIMELINE_PARTS = ['status', 'department', 'profession', 'workingTime'] as const;
export type TimelinePart = (typeof TIMELINE_PARTS)[number];

export const emptyTimelines = (): SdTimelines => ({
  status: [],
  department: [],
  profession: [],
  workingTime: [],
});

/**
 * The cache key of an employment: the same EmploymentIdentifier can belong to another person
 * after the first one's was deleted (status S), so the person is part of the key.
 */
export const employmentKey = (id: string, cpr: string): string => `${id}|${cpr}`;
