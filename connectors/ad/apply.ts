/**
 * One change, as LDAP operations. Only the attributes the change carries are written
 * (the engine sends only what differs). Units are OUs named by their `ou` attribute;
 * persons are accounts. DNs are always built with dn.ts.
 */
import { randomBytes } from 'node:crypto';
import { childDn, firstValue, normaliseDn, parentDn } from '../../src/ldap/dn.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue, Change, ChangeResult } from '../../src/sdk/types.js';
import { getOrCreate } from '../../src/util/collections.js';
import type { RwLock } from '../../src/util/rw-lock.js';
import type { AdConfig } from './config.js';
import type { Directory, LdapValues } from './directory.js';
import { guidOf, UAC_DISABLED } from './entries.js';
import { adError } from './errors.js';
import type { UnitGroups } from './groups.js';
import type { Placed, PlacedAccount, Placement } from './placement.js';
import { UNIT_MARK } from './read.js';
import { generateSam } from './sam.js';

/** RDN values longer than this are refused by AD (the `ou` and `cn` range upper). */
const RDN_MAX = 64;
const UAC_NORMAL_ACCOUNT = 0x200;

export interface ApplyState {
  dir: Directory;
  cfg: AdConfig;
  placement: Placement;
  accountNames: Set<string>;
  groups: UnitGroups;
  /** Person attribute names the mapping sets. */
  mapped: ReadonlySet<string>;
  /**
   * References to a person whose account does not exist yet (an OU's managedBy, written
   * before the persons): set when that account is created in this run.
   */
  waiting: Map<string, { dn: () => string | undefined; attribute: string; label: string }[]>;
  /**
   * Renaming or moving an OU changes the DN of everything under it. Such a change runs alone
   * (exclusive); every other change runs shared, so none of them works on a DN that an OU
   * rename is changing under it.
   */
  structure: RwLock;
}

const applied = (change: Change, targetId?: string | null): ChangeResult => ({
  changeId: change.id,
  status: 'applied',
  ...(targetId ? { targetId } : {}),
});

/** A value as LDAP holds it: text, several values for a list, none for empty. */
function toLdap(value: AttrValue): LdapValues {
  if (value === null || value === '') return [];
  if (Array.isArray(value)) return value.filter((v) => v !== '');
  return [String(value)];
}

export async function applyAdChange(s: ApplyState, change: Change): Promise<ChangeResult> {
  if (change.type === 'unit')
    return renamesOu(s, change)
      ? s.structure.exclusive(() => applyUnit(s, change))
      : s.structure.shared(() => applyUnit(s, change));
  if (change.type === 'person') return s.structure.shared(() => applyPerson(s, change));
  throw new ConnectorError('invalid-config', 'the ad target takes units and persons, not positions');
}

/** Whether the change may rename or move an existing OU (updateUnit), and so the DNs under it. */
function renamesOu(s: ApplyState, change: Change): boolean {
  if (change.action === 'delete' || change.action === 'disable') return false;
  if (change.action === 'create') return s.placement.units.has(change.key); // resumed: placed again
  return change.action !== 'update' || change.attrs.some((a) => a.name === 'ou');
}

// ---- values ----------------------------------------------------------------------------

/**
 * The LDAP form of the changed attributes, with references (manager) turned from keys into
 * the DNs they name. A reference to an object that has no entry yet (an OU's manager,
 * whose account comes after the OU) waits: it is written when that entry is made in this
 * run; if it is not, the next run's read shows it unset and plans it again.
 */
function ldapAttributes(
  s: ApplyState,
  change: Change,
  skip: ReadonlySet<string>,
): Record<string, LdapValues> {
  const values: Record<string, LdapValues> = {};
  for (const a of change.attrs) {
    if (skip.has(a.name)) continue;
    if (change.type === 'person' && s.groups.enabled && a.name === s.groups.attribute) continue;
    const refType = s.cfg.references[a.name];
    if (refType && typeof a.new === 'string' && a.new !== '') {
      const target = (refType === 'unit' ? s.placement.units : s.placement.persons).get(a.new);
      if (target) values[a.name] = [target.dn];
      else {
        const own = change.type === 'unit' ? s.placement.units : s.placement.persons;
        getOrCreate(s.waiting, `${refType}:${a.new}`, () => []).push({
          dn: () => own.get(change.key)?.dn,
          attribute: a.name,
          label: `${change.type} ${change.key}`,
        });
      }
    } else values[a.name] = toLdap(a.new);
  }
  return values;
}

/** Writes the references that waited for this entry (see ldapAttributes). */
async function entryMade(s: ApplyState, type: 'unit' | 'person', key: string, dn: string): Promise<void> {
  const waiting = s.waiting.get(`${type}:${key}`);
  if (!waiting) return;
  s.waiting.delete(`${type}:${key}`);
  for (const w of waiting) {
    const referrer = w.dn();
    if (referrer) await s.dir.replace(referrer, { [w.attribute]: [dn] }, w.label);
  }
}

const newValue = (change: Change, name: string): AttrValue | undefined =>
  change.attrs.find((a) => a.name === name)?.new;

/** Where children of a unit go: its OU, or the configured base for the top. */
function containerOf(s: ApplyState, unitKey: string | null, what: string): string {
  if (unitKey === null) {
    const base = s.cfg.units.base ?? s.cfg.persons.create.ou;
    if (!base) throw new ConnectorError('invalid-config', `${what}: no OU is configured for it`);
    return base;
  }
  const unit = s.placement.units.get(unitKey);
  if (!unit) throw new ConnectorError('not-found', `${what}: unit ${unitKey} has no OU in AD yet`);
  return unit.dn;
}

/**
 * Creates or renames an entry under `parent`, trying the plain name first and, when a
 * sibling already has it, the name with the object's key in brackets.
 */
async function placeUnder(
  s: ApplyState,
  rdnType: 'OU' | 'CN',
  name: string,
  key: string,
  parent: string,
  write: (dn: string) => Promise<void>,
): Promise<string> {
  const plain = name.slice(0, RDN_MAX);
  const suffix = ` (${key})`;
  const candidates = [plain, `${name.slice(0, RDN_MAX - suffix.length)}${suffix}`];
  for (const [i, value] of candidates.entries()) {
    const dn = childDn(rdnType, value, parent);
    // A name another of orgsync's objects has here is not even tried: a refused add costs the
    // DC nearly as much as one that succeeds (namesakes are common in a large OU).
    const holder = s.placement.at(dn);
    if (holder !== undefined && holder.key !== key && i < candidates.length - 1) continue;
    try {
      await write(dn);
      return dn;
    } catch (e) {
      if (!(e instanceof ConnectorError && e.kind === 'conflict') || i === candidates.length - 1) throw e;
    }
  }
  throw new ConnectorError('conflict', `no free name for ${key} under ${parent}`);
}

/**
 * The entry's GUID after a create, when it is needed now. An entry that carries its key in
 * its anchor is found again by it, so its GUID is learnt on the next read (read.ts relinks)
 * instead: reading it back here cost a quarter of the create rate on a DC that serialises
 * requests. Only an account anchored by a mapped HR value needs it at once.
 */
async function guidAt(s: ApplyState, dn: string, what: string): Promise<string | null> {
  if (dn.startsWith('OU=') || anchorIsKey(s)) return null;
  const [entry] = await s.dir.search(dn, '(objectClass=*)', ['objectGUID'], 'base').catch((e: unknown) => {
    throw adError(e, `${what}: read back after create`);
  });
  const guid = entry ? guidOf(entry) : undefined;
  if (!guid) throw new ConnectorError('transient', `${what}: created, but its objectGUID cannot be read yet`);
  return guid;
}

// ---- units -----------------------------------------------------------------------------

async function applyUnit(s: ApplyState, change: Change): Promise<ChangeResult> {
  const what = `unit ${change.key}`; // unit names are not personal data, but keys are shorter
  if (s.cfg.units.mode !== 'ou-tree')
    throw new ConnectorError(
      'invalid-config',
      `${what}: units.mode is none; do not map units for this target`,
    );
  const placed = s.placement.units.get(change.key);
  switch (change.action) {
    case 'create': {
      if (placed) return updateUnit(s, change, placed); // created by an interrupted run
      const name = String(newValue(change, 'ou') ?? change.key);
      const values = ldapAttributes(s, change, new Set(['ou']));
      const attributes: Record<string, LdapValues> = {
        objectClass: ['top', 'organizationalUnit'],
        [s.cfg.units.anchorAttribute]: [`${UNIT_MARK}${change.key}`],
      };
      for (const [k, v] of Object.entries(values)) if (v.length > 0) attributes[k] = v;
      const dn = await placeUnder(s, 'OU', name, change.key, containerOf(s, change.parentKey, what), (dn) =>
        s.dir.add(dn, attributes, what),
      );
      const guid = await guidAt(s, dn, what);
      s.placement.setUnit({ key: change.key, guid: guid ?? '', dn });
      await entryMade(s, 'unit', change.key, dn);
      return applied(change, guid);
    }
    case 'update':
    case 'move':
    case 'replace':
      if (!placed) throw new ConnectorError('not-found', `${what} has no OU in AD`);
      return updateUnit(s, change, placed);
    case 'disable':
      // An OU cannot be disabled: a closed unit's OU stays as it is (read() keeps it closed).
      return applied(change, placed?.guid || null);
    case 'delete': {
      if (!placed) return applied(change); // already gone
      try {
        await s.dir.remove(placed.dn, what);
      } catch (e) {
        if (e instanceof ConnectorError && e.kind === 'not-found') return applied(change);
        if (e instanceof ConnectorError && e.kind === 'conflict')
          throw new ConnectorError(
            'conflict',
            `${what}: OU ${placed.dn} still holds objects (accounts orgsync does not manage, or leavers it disabled there when persons.disabledOu is not set); move them out, or set onRemove.unit to disable`,
          );
        throw e;
      }
      s.placement.forget('unit', change.key);
      await s.groups.remove(change.key);
      return applied(change);
    }
  }
}

async function updateUnit(s: ApplyState, change: Change, unit: Placed): Promise<ChangeResult> {
  const what = `unit ${change.key}`;
  const values = ldapAttributes(s, change, new Set(['ou']));
  let dn = unit.dn;
  const name = newValue(change, 'ou');
  const moving = change.action === 'move' || change.action === 'replace' || change.action === 'create';
  if (name !== undefined || moving) {
    const parent = moving ? containerOf(s, change.parentKey, what) : parentDn(dn);
    const rdn = name === undefined ? firstValue(dn) : String(name);
    const oldDn = dn;
    dn = await placeUnder(s, 'OU', rdn, change.key, parent, (to) =>
      to.toLowerCase() === oldDn.toLowerCase() ? Promise.resolve() : s.dir.rename(oldDn, to, what),
    );
    s.placement.setUnit({ ...unit, dn });
    s.placement.moved(oldDn, dn);
  }
  await s.dir.replace(dn, values, what);
  return applied(change, unit.guid || null);
}

// ---- persons ---------------------------------------------------------------------------

async function applyPerson(s: ApplyState, change: Change): Promise<ChangeResult> {
  const what = `person ${change.key}`;
  let placed = s.placement.persons.get(change.key);
  switch (change.action) {
    case 'create': {
      placed ??= adoptByAnchor(s, change);
      if (placed) return updatePerson(s, change, placed);
      if (!s.cfg.persons.create.enabled)
        throw new ConnectorError(
          'not-found',
          `${what} has no account with ${s.cfg.persons.anchorAttribute} set to its ${anchorIsKey(s) ? 'key' : 'mapped value'}, and persons.create is off`,
        );
      return createAccount(s, change);
    }
    case 'update':
    case 'move':
    case 'replace':
      placed ??= adoptByAnchor(s, change);
      if (!placed) throw new ConnectorError('not-found', `${what} has no account in AD`);
      return updatePerson(s, change, placed);
    case 'disable': {
      if (!placed) return applied(change);
      const uac = placed.userAccountControl | UAC_DISABLED;
      if (s.groups.enabled) await s.groups.leave(change.key, placed.dn, what);
      await s.dir.replace(placed.dn, { userAccountControl: [String(uac)] }, what);
      let dn = placed.dn;
      if (
        s.cfg.persons.disabledOu &&
        parentDn(dn).toLowerCase() !== normaliseDn(s.cfg.persons.disabledOu).toLowerCase()
      ) {
        // Two leavers called Jens Hansen: the second gets its key in brackets.
        const from = dn;
        dn = await placeUnder(s, 'CN', firstValue(dn), change.key, s.cfg.persons.disabledOu, (to) =>
          s.dir.rename(from, to, what),
        );
      }
      s.placement.setPerson({ ...placed, dn, userAccountControl: uac });
      return applied(change, placed.guid || null);
    }
    case 'delete': {
      if (!placed) return applied(change);
      await s.dir.remove(placed.dn, what).catch((e: unknown) => {
        if (!(e instanceof ConnectorError && e.kind === 'not-found')) throw e;
      });
      s.placement.forget('person', change.key);
      return applied(change);
    }
  }
}

/** Whether the anchor holds orgsync's person key, or a value the mapping sets (read.ts). */
const anchorIsKey = (s: ApplyState) => !s.mapped.has(s.cfg.persons.anchorAttribute);

/**
 * The account that already exists for this person: one IT made before HR's data came (its
 * anchor set). Adopted, never made twice. From what read() saw: no search per create.
 */
function adoptByAnchor(s: ApplyState, change: Change): PlacedAccount | undefined {
  const value = anchorIsKey(s) ? change.key : newValue(change, s.cfg.persons.anchorAttribute);
  if (value === undefined || value === null || value === '') return undefined;
  const found = s.placement.unclaimed.get(String(value));
  if (!found) return undefined;
  s.placement.unclaimed.delete(String(value));
  const account = { ...found, key: change.key };
  s.placement.setPerson(account);
  return account;
}

async function updatePerson(s: ApplyState, change: Change, account: PlacedAccount): Promise<ChangeResult> {
  const what = `person ${change.key}`;
  const values = ldapAttributes(s, change, new Set(['cn']));
  let dn = account.dn;
  let uac = account.userAccountControl;
  if (change.enable && (uac & UAC_DISABLED) !== 0) {
    uac &= ~UAC_DISABLED; // every other bit as it was
    values['userAccountControl'] = [String(uac)];
  }
  const cn = newValue(change, 'cn');
  const moving = (change.action === 'move' || change.action === 'replace') && s.cfg.units.mode === 'ou-tree';
  if (cn !== undefined || moving) {
    const parent = moving ? containerOf(s, change.parentKey, what) : parentDn(dn);
    const oldDn = dn;
    dn = await placeUnder(
      s,
      'CN',
      cn === undefined ? firstValue(dn) : String(cn),
      change.key,
      parent,
      (to) => (to.toLowerCase() === oldDn.toLowerCase() ? Promise.resolve() : s.dir.rename(oldDn, to, what)),
    );
  }
  await s.dir.replace(dn, values, what);
  await moveGroup(s, change, dn, what);
  s.placement.setPerson({ ...account, dn, userAccountControl: uac });
  await entryMade(s, 'person', change.key, dn);
  return applied(change, account.guid || null);
}

/** The account's unit group, when the change sets it (groups.ts). */
async function moveGroup(s: ApplyState, change: Change, dn: string, what: string): Promise<void> {
  if (!s.groups.enabled) return;
  const a = change.attrs.find((x) => x.name === s.groups.attribute);
  if (a) await s.groups.move(change.key, dn, a.old, a.new, what);
}

async function createAccount(s: ApplyState, change: Change): Promise<ChangeResult> {
  const what = `person ${change.key}`;
  const create = s.cfg.persons.create;
  const container =
    s.cfg.units.mode === 'ou-tree' && change.parentKey !== null
      ? containerOf(s, change.parentKey, what)
      : (create.ou ?? containerOf(s, null, what));
  const text = (name: string) => {
    const v = newValue(change, name);
    return v === undefined || v === null ? '' : String(v);
  };
  const given = text('givenName');
  const surname = text('sn');
  const values = ldapAttributes(s, change, new Set(['cn']));
  const enabled = create.enableNewAccounts;
  const uac = UAC_NORMAL_ACCOUNT | (enabled ? 0 : UAC_DISABLED);
  const attributes: Record<string, LdapValues> = {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    ...(anchorIsKey(s) ? { [s.cfg.persons.anchorAttribute]: [change.key] } : {}),
    userAccountControl: [String(uac)],
  };
  if (enabled) {
    // A long random password nobody knows, to be reset by whoever hands the account out;
    // AD takes it only as UTF-16LE in quotes, and only over an encrypted connection.
    const password = `"${randomBytes(24).toString('base64')}aA1!"`;
    attributes['unicodePwd'] = [Buffer.from(password, 'utf16le')];
    attributes['pwdLastSet'] = ['0'];
  }
  for (const [k, v] of Object.entries(values)) if (v.length > 0) attributes[k] = v;
  const cn = text('cn') || text('displayName') || [given, surname].filter(Boolean).join(' ') || change.key;
  // sAMAccountName is unique in the whole domain, beyond what the search base showed: a name
  // the DC says is taken is remembered and the next candidate tried.
  let dn: string | undefined;
  for (let attempt = 1; dn === undefined; attempt++) {
    const sam = generateSam(
      { givenName: given, surname, key: change.key },
      { pattern: create.samPattern, taken: (n) => s.accountNames.has(n) },
    );
    s.accountNames.add(sam);
    attributes['sAMAccountName'] = [sam];
    if (create.upnSuffix) attributes['userPrincipalName'] = [`${sam}@${create.upnSuffix}`];
    try {
      dn = await placeUnder(s, 'CN', cn, change.key, container, (to) => s.dir.add(to, attributes, what));
    } catch (e) {
      const samTaken = e instanceof ConnectorError && /samAccountName|userPrincipalName/i.test(e.message);
      if (!samTaken || attempt >= 20) throw e;
    }
  }
  const guid = await guidAt(s, dn, what);
  await moveGroup(s, change, dn, what);
  s.placement.setPerson({ key: change.key, guid: guid ?? '', dn, userAccountControl: uac });
  await entryMade(s, 'person', change.key, dn);
  return applied(change, guid);
}
