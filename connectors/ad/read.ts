/**
 * Reading AD once per run: orgsync's OUs (marked by the unit anchor attribute) and the
 * accounts under the search base, with the attributes the mapping sets. Accounts are
 * tied to persons by objectGUID when orgsync linked them before (so an account renamed
 * or moved by hand is still found), else by the anchor attribute (adopting an account
 * that IT created before HR's data arrived).
 */
import type { Entry } from 'ldapts';
import { firstValue, normaliseDn, parentDn } from '../../src/ldap/dn.js';
import { and, eq } from '../../src/ldap/filter.js';
import type { Link } from '../../src/sdk/connector.js';
import type { AttrValue, CurrentObject } from '../../src/sdk/types.js';
import { setOwn } from '../../src/util/collections.js';
import { isPersonKey } from '../../src/util/pseudonym.js';
import type { AdConfig } from './config.js';
import type { Directory } from './directory.js';
import { first, guidOf, UAC_DISABLED, values } from './entries.js';
import { memberOfValues, type UnitGroups } from './groups.js';
import { Placement } from './placement.js';

/** The unit anchor's value: orgsync's own mark, so that no one else's OU is taken for a unit. */
export const UNIT_MARK = 'orgsync:';
/** An OU whose name another sibling already had gets the unit key in brackets. */
export const stripKeySuffix = (ou: string, key: string): string =>
  ou.endsWith(` (${key})`) ? ou.slice(0, -` (${key})`.length) : ou;

export interface DirectoryState {
  placement: Placement;
  /** Every sAMAccountName under the search base, lower-cased: new ones must differ. */
  accountNames: Set<string>;
  objects: CurrentObject[];
  /** `type:key` -> objectGUID, for the state to keep as the durable link. */
  relinks: Map<string, string>;
}

export interface ReadOptions {
  unitAttributes: readonly string[];
  personAttributes: readonly string[];
  links: ReadonlyMap<string, Link>;
  groups: UnitGroups;
}

export async function readDirectory(
  dir: Directory,
  cfg: AdConfig,
  opts: ReadOptions,
): Promise<DirectoryState> {
  const placement = new Placement();
  const objects: CurrentObject[] = [];
  const unitEntries =
    cfg.units.mode === 'ou-tree' && cfg.units.base
      ? await dir.search(
          cfg.units.base,
          and(eq('objectClass', 'organizationalUnit'), `(${cfg.units.anchorAttribute}=${UNIT_MARK}*)`),
          ['objectGUID', 'ou', cfg.units.anchorAttribute, ...opts.unitAttributes],
        )
      : [];
  // Each entry's key and GUID are worked out once, here, and carried beside it.
  const units = unitEntries.flatMap((e) => {
    const key = first(e, cfg.units.anchorAttribute)!.slice(UNIT_MARK.length);
    const guid = guidOf(e);
    return key !== '' && guid ? [{ e, key, guid }] : [];
  });
  for (const u of units) placement.setUnit({ key: u.key, guid: u.guid, dn: u.e.dn });

  await opts.groups.read();
  const wantsGroup = opts.groups.enabled && opts.personAttributes.includes(opts.groups.attribute);
  const base = cfg.persons.searchBase ?? cfg.baseDn;
  const accountEntries = await dir.search(
    base,
    and(eq('objectCategory', 'person'), eq('objectClass', 'user')),
    [
      'objectGUID',
      'sAMAccountName',
      'userAccountControl',
      cfg.persons.anchorAttribute,
      ...(wantsGroup ? ['memberOf'] : []),
      ...opts.personAttributes.filter((a) => a !== opts.groups.attribute),
    ],
  );
  const accountNames = new Set<string>();
  const keyOfGuid = new Map<string, string>();
  for (const [id, link] of opts.links) {
    if (id.startsWith('person:') && link.targetId) keyOfGuid.set(link.targetId, id.slice('person:'.length));
  }
  // Linked accounts first: a link wins over an anchor value someone typed on another account.
  const ordered = accountEntries
    .map((e) => ({ e, guid: guidOf(e) }))
    .sort((a, b) => Number(keyOfGuid.has(b.guid ?? '')) - Number(keyOfGuid.has(a.guid ?? '')));
  // A mapped anchor holds an HR value, not the key: such accounts are matched when the
  // engine asks to create their person (apply.ts), and by their GUID link after that.
  const anchorIsKey = !opts.personAttributes.includes(cfg.persons.anchorAttribute);
  // Only a value shaped like orgsync's keys counts: payroll numbers IT keeps in the same
  // attribute must not become persons that HR "lacks" (and be disabled).
  const keyOf = (guid: string, e: Entry) => {
    const linked = keyOfGuid.get(guid);
    if (linked !== undefined || !anchorIsKey) return linked;
    const anchor = first(e, cfg.persons.anchorAttribute);
    return anchor !== undefined && isPersonKey(anchor) ? anchor : undefined;
  };
  const accounts: { e: Entry; key: string; guid: string; uac: number }[] = [];
  for (const { e, guid } of ordered) {
    const sam = first(e, 'sAMAccountName');
    if (sam) accountNames.add(sam.toLowerCase());
    if (!guid) continue;
    const key = keyOf(guid, e);
    const uac = Number(first(e, 'userAccountControl') ?? 512);
    if (!key) {
      const anchor = first(e, cfg.persons.anchorAttribute);
      if (anchor && !keyOfGuid.has(guid))
        placement.unclaimed.set(anchor, { guid, dn: e.dn, userAccountControl: uac });
      continue;
    }
    if (placement.persons.has(key)) continue;
    placement.setPerson({ key, guid, dn: e.dn, userAccountControl: uac });
    accounts.push({ e, key, guid, uac });
  }

  // New accounts need a sAMAccountName no object in the domain has, not only those in the
  // search base (groups and computers count too).
  if (
    cfg.persons.create.enabled &&
    normaliseDn(base).toLowerCase() !== normaliseDn(cfg.baseDn).toLowerCase()
  ) {
    for (const e of await dir.search(cfg.baseDn, '(sAMAccountName=*)', ['sAMAccountName'])) {
      const sam = first(e, 'sAMAccountName');
      if (sam) accountNames.add(sam.toLowerCase());
    }
  }
  const refs = (e: Entry, names: readonly string[]) => attrsOf(e, names, cfg, placement);
  for (const { e, key, guid } of units) {
    const attrs = refs(e, opts.unitAttributes);
    if (typeof attrs['ou'] === 'string') attrs['ou'] = stripKeySuffix(attrs['ou'], key);
    objects.push({
      type: 'unit',
      key,
      targetId: guid,
      parentKey: unitAbove(e.dn, placement),
      attrs,
      // OUs cannot be disabled: a closed unit's OU is left as it is, and stays closed.
      disabled: opts.links.get(`unit:${key}`)?.disabled === true,
    });
  }
  for (const { e, key, guid, uac } of accounts) {
    objects.push({
      type: 'person',
      key,
      targetId: guid,
      parentKey: cfg.units.mode === 'ou-tree' ? unitAbove(e.dn, placement) : null,
      attrs: {
        ...refs(e, opts.personAttributes),
        ...(wantsGroup ? { [opts.groups.attribute]: opts.groups.memberOf(key, memberOfValues(e)) } : {}),
      },
      // Only a disable orgsync made counts: an account IT disabled (a new hire waiting for
      // a password, a locked account) is not orgsync's to enable again.
      disabled: (uac & UAC_DISABLED) !== 0 && opts.links.get(`person:${key}`)?.disabled === true,
    });
  }
  return { placement, accountNames, objects, relinks: relinks(objects, opts.links) };
}

/** GUIDs orgsync holds no link for yet (entries it made without reading them back). */
function relinks(objects: readonly CurrentObject[], links: ReadonlyMap<string, Link>): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const id = `${o.type}:${o.key}`;
    const link = links.get(id);
    if (link && o.targetId && link.targetId !== o.targetId) out.set(id, o.targetId);
  }
  return out;
}

/** The unit whose OU holds this entry directly, if orgsync owns that OU. */
function unitAbove(dn: string, placement: Placement): string | null {
  const parent = parentDn(dn);
  if (parent === '') return null;
  const at = placement.at(parent);
  return at?.type === 'unit' ? at.key : null;
}

/** The mapped attributes of an entry; references (manager DN) as the key of what they point at. */
function attrsOf(
  e: Entry,
  names: readonly string[],
  cfg: AdConfig,
  placement: Placement,
): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const name of names) {
    const vs = values(e, name);
    let value: AttrValue = vs.length === 0 ? null : vs.length === 1 ? vs[0]! : vs;
    if (cfg.references[name] && typeof value === 'string') {
      const at = placement.at(value);
      // A DN orgsync does not know stays a DN: it differs from any key, so it gets corrected.
      value = at && at.type === cfg.references[name] ? at.key : value;
    }
    if (name === 'ou' && value === null) value = firstValue(e.dn);
    setOwn(out, name, value);
  }
  return out;
}
