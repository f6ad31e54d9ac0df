/**
 * Writing SD Løn's answers (PROTOCOL.md): no namespaces, the operation's name as root with a
 * creationDateTime, a RequestStructure echoing the parameters, then the data. Everything is
 * plain string templates: an answer can hold 50,000 employments, and the server streams the
 * pieces these functions return instead of building a tree.
 */
import type { SdContact, SdDepartment } from '../model.js';
import type { Registered, StoredDepartment } from './store.js';

// --- Copenhagen time ----------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const dstBounds = new Map<number, [number, number]>();

/** 01:00 UTC on the last Sunday of a month (0-based): when EU summer time starts or ends. */
function lastSundayAt1Utc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}

/**
 * Copenhagen's offset from UTC at an instant. The EU rule in arithmetic rather than Intl:
 * it runs for every registered period a changed-at call looks at, and Intl is slow.
 */
function copenhagenOffset(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  let bounds = dstBounds.get(year);
  if (!bounds) {
    bounds = [lastSundayAt1Utc(year, 2), lastSundayAt1Utc(year, 9)];
    dstBounds.set(year, bounds);
  }
  return ms >= bounds[0] && ms < bounds[1] ? 2 * HOUR_MS : HOUR_MS;
}

/** Copenhagen local time of an instant as `YYYY-MM-DDTHH:MM:SS`. */
export const copenhagenLocal = (at: Date): string =>
  new Date(at.getTime() + copenhagenOffset(at.getTime())).toISOString().slice(0, 19);

/** Copenhagen local date of an instant, `YYYY-MM-DD`. */
export const copenhagenDate = (at: Date): string => copenhagenLocal(at).slice(0, 10);

// --- text -----------------------------------------------------------------------------------------

// Characters that need work: the five specials, and what XML 1.0 forbids (lone surrogates too).
const SPECIAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/u;

/** Escaped text or attribute content; characters XML cannot carry become U+FFFD. */
export function esc(value: string): string {
  // Most values need nothing: skip the five replaces for them.
  if (!SPECIAL.test(value)) return value;
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name>text</name>`, escaped. */
export const leaf = (name: string, text: string): string => `<${name}>${esc(text)}</${name}>`;

// --- envelopes ----------------------------------------------------------------------------------

/** The XML declaration, root element and RequestStructure; the data follows, then answerClose. */
export function answerOpen(operation: string, created: Date, request: readonly [string, string][]): string {
  let echo = '';
  for (const [name, value] of request) echo += leaf(name, value);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${operation} creationDateTime="${copenhagenLocal(created)}"><RequestStructure>${echo}</RequestStructure>`
  );
}

export const answerClose = (operation: string): string => `</${operation}>\n`;

/** SD's error body (PROTOCOL.md "Calls"); the message is what clients match on. */
export function faultEnvelope(message: string, code = 'soap:Server'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Envelope><Body><Fault>${leaf('faultcode', code)}${leaf('faultstring', message)}` +
    `<detail>${leaf('string', message)}</detail></Fault></Body></Envelope>\n`
  );
}

// --- departments --------------------------------------------------------------------------------

export interface DepartmentOptions {
  uuid: boolean;
  name: boolean;
  postalAddress: boolean;
  productionUnit: boolean;
  contact: boolean;
}

/** The region and institution elements every organisation answer starts with. */
export function institutionXml(inst: {
  identifier: string;
  uuid: string;
  regionIdentifier: string;
  regionUuid: string;
}): string {
  return (
    leaf('RegionIdentifier', inst.regionIdentifier) +
    leaf('RegionUUIDIdentifier', inst.regionUuid) +
    leaf('InstitutionIdentifier', inst.identifier) +
    leaf('InstitutionUUIDIdentifier', inst.uuid)
  );
}

/** One `Department` of GetDepartment20111201; optional elements only with their indicator. */
export function departmentXml(d: SdDepartment, o: DepartmentOptions): string {
  let x =
    '<Department>' +
    leaf('ActivationDate', d.activationDate) +
    leaf('DeactivationDate', d.deactivationDate) +
    leaf('DepartmentIdentifier', d.identifier);
  if (o.uuid) x += leaf('DepartmentUUIDIdentifier', d.uuid);
  x += leaf('DepartmentLevelIdentifier', d.level);
  if (o.name) x += leaf('DepartmentName', d.name);
  if (o.postalAddress && d.address) {
    const a = d.address;
    x +=
      '<PostalAddress>' +
      (a.street ? leaf('StandardAddressIdentifier', a.street) : '') +
      (a.postalCode ? leaf('PostalCode', a.postalCode) : '') +
      (a.city ? leaf('DistrictName', a.city) : '') +
      '</PostalAddress>';
  }
  if (o.productionUnit && d.productionUnit) x += leaf('ProductionUnitIdentifier', d.productionUnit);
  if (o.contact) x += contactXml({ phones: d.phones ?? [], emails: d.emails ?? [] });
  return `${x}</Department>`;
}

/** `ContactInformation`, or nothing when there is nothing to say. */
export function contactXml(c: SdContact): string {
  if (c.phones.length === 0 && c.emails.length === 0) return '';
  let x = '<ContactInformation>';
  for (const p of c.phones) x += leaf('TelephoneNumberIdentifier', p);
  for (const e of c.emails) x += leaf('EmailAddressIdentifier', e);
  return `${x}</ContactInformation>`;
}

/** A leaf-first DepartmentReference: `chain[0]` is the Afdelings-niveau department, each next one its parent. */
export function departmentReferenceXml(chain: readonly StoredDepartment[], uuid: boolean): string {
  let open = '';
  for (const d of chain) {
    open +=
      '<DepartmentReference>' +
      leaf('DepartmentIdentifier', d.identifier) +
      (uuid ? leaf('DepartmentUUIDIdentifier', d.uuid) : '') +
      leaf('DepartmentLevelIdentifier', d.level);
  }
  return open + '</DepartmentReference>'.repeat(chain.length);
}

/** OrganizationStructure: the level names nested leaf-first, as the references are. */
export function organizationStructureXml(levels: readonly string[]): string {
  let open = '';
  for (const level of levels) open += '<DepartmentLevelReference>' + leaf('DepartmentLevelIdentifier', level);
  return `<OrganizationStructure>${open}${'</DepartmentLevelReference>'.repeat(levels.length)}</OrganizationStructure>`;
}

// --- persons and employments ----------------------------------------------------------------------

/** `Person` of GetPerson20111201: names, and each listed employment with its work contact. */
export function personXml(
  p: { cpr: string; givenName?: string; surname?: string },
  employments: readonly { id: string; contact?: SdContact }[],
): string {
  let x = '<Person>' + leaf('PersonCivilRegistrationIdentifier', p.cpr);
  if (p.givenName !== undefined) x += leaf('PersonGivenName', p.givenName);
  if (p.surname !== undefined) x += leaf('PersonSurnameName', p.surname);
  for (const e of employments)
    x += `<Employment>${leaf('EmploymentIdentifier', e.id)}${e.contact ? contactXml(e.contact) : ''}</Employment>`;
  return `${x}</Person>`;
}

/** What one Employment element carries: the periods of each asked part, in SD's element order. */
export interface EmploymentParts {
  status?: readonly Registered<string>[];
  department?: readonly Registered<{ identifier: string; uuid: string }>[];
  profession?: readonly Registered<{ jobPositionId: string; name: string }>[];
  workingTime?: readonly Registered<string>[];
}

export interface EmploymentWriteOptions {
  /** DepartmentUUIDIdentifier in EmploymentDepartment. */
  uuid: boolean;
  /** GetEmploymentChangedAtDate: each period says the (Copenhagen) day it was registered. */
  changedAt: boolean;
}

/** An `Employment` of the GetEmployment family (PROTOCOL.md). */
export function employmentXml(
  e: { id: string; employmentDate?: string },
  parts: EmploymentParts,
  o: EmploymentWriteOptions,
): string {
  let x = '<Employment>' + leaf('EmploymentIdentifier', e.id);
  if (e.employmentDate !== undefined)
    // No anniversary date is kept: SD's default, the first day of employment, is written.
    x += leaf('EmploymentDate', e.employmentDate) + leaf('AnniversaryDate', e.employmentDate);
  const open = (name: string, p: Registered<unknown>): string =>
    `<${name}${o.changedAt ? ` changedAtDate="${copenhagenDate(p.registeredAt)}"` : ''}>` +
    leaf('ActivationDate', p.from) +
    leaf('DeactivationDate', p.to);
  for (const p of parts.status ?? [])
    x += `${open('EmploymentStatus', p)}${leaf('EmploymentStatusCode', p.value)}</EmploymentStatus>`;
  for (const p of parts.department ?? [])
    x +=
      open('EmploymentDepartment', p) +
      leaf('DepartmentIdentifier', p.value.identifier) +
      (o.uuid ? leaf('DepartmentUUIDIdentifier', p.value.uuid) : '') +
      '</EmploymentDepartment>';
  for (const p of parts.profession ?? [])
    x +=
      open('Profession', p) +
      leaf('JobPositionIdentifier', p.value.jobPositionId) +
      leaf('EmploymentName', p.value.name) +
      '<AppointmentCode>0</AppointmentCode></Profession>';
  for (const p of parts.workingTime ?? [])
    x +=
      open('WorkingTime', p) +
      leaf('OccupationRate', p.value) +
      leaf('SalaryRate', p.value) +
      '<SalariedIndicator>true</SalariedIndicator></WorkingTime>';
  return `${x}</Employment>`;
}

/** The opening of a `Person` of the GetEmployment family; its Employment elements follow. */
export const employmentPersonOpen = (cpr: string): string =>
  '<Person>' + leaf('PersonCivilRegistrationIdentifier', cpr);
export const PERSON_CLOSE = '</Person>';
