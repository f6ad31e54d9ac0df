/**
 * How orgsync names its entries and marks them as its own.
 *
 * - The mark: `orgsync:<key>` in the type's anchor attribute (businessCategory on OUs,
 *   employeeNumber on persons, by default). Read tells orgsync's entries apart by it.
 * - The RDN: `ou=<unit name>` for units; `<persons.rdnAttribute>=<value>` for persons, the
 *   mapped value, or the person key for an unmapped uid.
 * - Two siblings with the same name: the second gets a multi-valued RDN that adds its mark,
 *   `ou=Skole\2C Syd+businessCategory=orgsync:1042`. The named attribute keeps exactly the HR
 *   value (no suffix to strip on read), and the mark is a value the entry holds anyway.
 */
import { formatDn, parseDn, type Rdn } from '../../src/ldap/dn.js';
import type { LdapConfig } from './config.js';
import type { EntryType } from './tree.js';

const MARK = 'orgsync:';
export const markOf = (key: string): string => `${MARK}${key}`;
export const keyOfMark = (value: string): string | undefined =>
  value.startsWith(MARK) && value.length > MARK.length ? value.slice(MARK.length) : undefined;

/**
 * The parent an entry reports when it sits somewhere orgsync would not have put it (moved by
 * hand below an OU that is not a unit's): never a unit key, so the plan moves it back.
 */
export const ELSEWHERE = '(elsewhere)';

export const anchorOf = (cfg: LdapConfig, type: EntryType): string =>
  type === 'unit' ? cfg.units.anchorAttribute : cfg.persons.anchorAttribute;

export const namingOf = (cfg: LdapConfig, type: EntryType): string =>
  type === 'unit' ? 'ou' : cfg.persons.rdnAttribute;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The value of the naming attribute in an entry's RDN, if the RDN has one. */
export function rdnValue(dn: string, attribute: string): string | undefined {
  return parseDn(dn)[0]?.find((ava) => same(ava.type, attribute))?.value;
}

/** Whether the entry's RDN holds its mark (a disambiguated name): ldapts's modifyDN drops old RDN values. */
export function rdnHoldsMark(dn: string, anchor: string): boolean {
  return parseDn(dn)[0]?.some((ava) => same(ava.type, anchor)) ?? false;
}

/**
 * The DNs an entry may take under `container`, in order of preference: the plain name, then
 * the name with the mark added. `value` undefined keeps the entry's current RDN as it is (its
 * naming attribute is not orgsync's to set, and someone renamed it by hand).
 */
export function candidateDns(
  cfg: LdapConfig,
  type: EntryType,
  key: string,
  value: string | undefined,
  container: string,
  currentDn?: string,
): string[] {
  const parent = parseDn(container);
  if (value === undefined) {
    const rdn = currentDn === undefined ? undefined : parseDn(currentDn)[0];
    if (!rdn) throw new Error(`candidateDns: ${type} ${key} has neither a name nor a DN`);
    return [formatDn([rdn, ...parent])];
  }
  const named: Rdn = [{ type: namingOf(cfg, type), value }];
  const marked: Rdn = [...named, { type: anchorOf(cfg, type), value: markOf(key) }];
  return [formatDn([named, ...parent]), formatDn([marked, ...parent])];
}
