/**
 * One change as LDAP operations. Only the attributes the change carries are written (the
 * engine sends what differs; a create sends every non-empty one). Units are OUs, persons
 * inetOrgPerson entries; DNs are always built with src/ldap/dn.ts.
 *
 * Every operation may be re-applied (a crashed run, a plan applied twice): a create of an
 * entry that exists updates it to match, a move to where the entry already is does nothing,
 * a delete of an entry that is gone is done.
 */
import type { Logger } from 'pino';
import { formatDn, normaliseDn, parentDn, parseDn, sameDn } from '../../src/ldap/dn.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue, Change, ChangeResult } from '../../src/sdk/types.js';
import { values as entryValues, first } from '../ad/entries.js';
import { disabledContainer, type LdapConfig, peopleContainer } from './config.js';
import type { LdapConnection, Values } from './connection.js';
import { ENTRY_ALREADY_EXISTS, NO_SUCH_OBJECT, NOT_ALLOWED_ON_NON_LEAF, resultCode } from './errors.js';
import { anchorOf, candidateDns, keyOfMark, markOf, namingOf, rdnHoldsMark, rdnValue } from './naming.js';
import type { References } from './references.js';
import { type EntryType, type Held, idOf, type Tree } from './tree.js';

export interface ApplyState {
  conn: LdapConnection;
  cfg: LdapConfig;
  tree: Tree;
  refs: References;
  logger: Logger;
  /** Containers made or seen in this session (normalised, lower-cased DNs). */
  containers: Set<string>;
  /** Whether the mapping sets the person naming attribute (else an unmapped uid = the key). */
  personNameMapped: boolean;
}

const PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];
const UNIT_CLASSES = ['top', 'organizationalUnit'];

const applied = (change: Change, targetId?: string | null): ChangeResult => ({
  changeId: change.id,
  status: 'applied',
  ...(targetId ? { targetId } : {}),
});

/** A value as LDAP holds it: text, several values for a list, none for empty. */
function toLdap(value: AttrValue): Values {
  if (value === null || value === '') return [];
  if (Array.isArray(value)) return value.filter((v) => v !== '');
  return [String(value)];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const codeIs = (e: unknown, code: number) =>
  resultCode((e as { cause?: unknown })?.cause) === code || resultCode(e) === code;

/**
 * Whether the change may give an entry a new DN (a rename, a move, a disable or an enable).
 * Such a change runs alone (index.ts): an OU that moves changes the DN of everything below
 * it, and a person's move rewrites the references to them, so no other change may be using a
 * DN at that moment.
 */
export function changesDn(s: ApplyState, change: Change): boolean {
  if (change.type === 'position') return false;
  switch (change.action) {
    case 'delete':
      return false;
    case 'create':
      return s.tree.get(change.type, change.key) !== undefined; // converging may move it
    case 'update':
      return (
        change.enable === true ||
        change.attrs.some((a) => same(a.name, namingOf(s.cfg, change.type as EntryType)))
      );
    default:
      return true;
  }
}

export async function applyLdapChange(s: ApplyState, change: Change): Promise<ChangeResult> {
  if (change.type === 'position')
    throw new ConnectorError('invalid-config', 'the ldap target holds units and persons, not positions');
  const type = change.type;
  const what = `${type} ${change.key}`;
  if (type === 'unit' && s.cfg.units.mode !== 'ou-tree')
    throw new ConnectorError(
      'invalid-config',
      `${what}: units.mode is none; do not map units for this target`,
    );
  const held = s.tree.get(type, change.key);
  switch (change.action) {
    case 'create':
      // Made by an interrupted run, or a create applied twice: brought to match instead.
      if (held) return update(s, change, held, true);
      return create(s, change, type, what);
    case 'update':
    case 'move':
    case 'replace':
      if (!held) throw new ConnectorError('not-found', `${what} has no entry below ${s.cfg.baseDn}`);
      return update(s, change, held, change.action !== 'update' || change.enable === true);
    case 'disable':
      return held ? disable(s, change, held, what) : applied(change);
    case 'delete':
      return held ? remove(s, change, held, what) : applied(change);
  }
}

// ---- values ----------------------------------------------------------------------------

/**
 * The LDAP form of the changed attributes, references turned from keys into DNs. A reference
 * to an entry not made yet is left out: References writes it when that entry is made.
 */
function ldapValues(s: ApplyState, change: Change): Record<string, Values> {
  const id = idOf(change.type as EntryType, change.key);
  const out: Record<string, Values> = {};
  for (const a of change.attrs) {
    if (s.refs.kindOf(a.name) && (typeof a.new === 'string' || a.new === null)) {
      const dn = s.refs.dnOf(id, a.name, a.new === '' ? null : a.new);
      if (dn !== undefined) out[a.name] = [dn];
      else if (a.new === null || a.new === '') out[a.name] = [];
    } else out[a.name] = toLdap(a.new);
  }
  return out;
}

/** The naming value the change sets, if it sets one; an empty one is refused. */
function newName(s: ApplyState, change: Change, type: EntryType, what: string): string | undefined {
  const naming = namingOf(s.cfg, type);
  const a = change.attrs.find((x) => same(x.name, naming));
  if (!a) return undefined;
  const value = toLdap(a.new)[0];
  if (value === undefined)
    throw new ConnectorError('invalid-value', `${what}: its naming attribute ${naming} is empty`);
  return value;
}

/** Where the change puts the entry: its unit's OU, baseDn for a top unit, the people container. */
async function containerFor(s: ApplyState, change: Change, type: EntryType, what: string): Promise<string> {
  const unitKey = change.parentKey;
  if (unitKey !== null && (type === 'unit' || s.cfg.units.mode === 'ou-tree')) {
    const unit = s.tree.get('unit', unitKey);
    if (!unit) throw new ConnectorError('not-found', `${what}: its unit ${unitKey} has no entry yet`);
    return unit.dn;
  }
  if (type === 'unit') return s.cfg.baseDn;
  const people = peopleContainer(s.cfg);
  await ensureContainer(s, people, what);
  return people;
}

/** Makes an `ou=` container orgsync needs (people, disabled) unless it exists. */
async function ensureContainer(s: ApplyState, dn: string, what: string): Promise<void> {
  const key = normaliseDn(dn).toLowerCase();
  if (s.containers.has(key)) return;
  const rdn = parseDn(dn)[0]!;
  if (rdn.length === 1 && same(rdn[0]!.type, 'ou')) {
    try {
      await s.conn.add(dn, { objectClass: UNIT_CLASSES, ou: [rdn[0]!.value] }, `${what}: create ${dn}`);
    } catch (e) {
      if (!codeIs(e, ENTRY_ALREADY_EXISTS)) throw e;
    }
  } else if (!(await s.conn.lookup(dn, ['1.1'], `${what}: look for ${dn}`))) {
    throw new ConnectorError(
      'invalid-config',
      `${what}: ${dn} does not exist (only ou= containers are made)`,
    );
  }
  s.containers.add(key);
}

/** DNs orgsync keeps for its containers: never taken by a unit or a person. */
function reserved(s: ApplyState, dn: string): boolean {
  return [peopleContainer(s.cfg), disabledContainer(s.cfg)].some((c) => sameDn(c, dn));
}

/** Writes the DN of the entry `target` into whoever points at it (References). */
async function announce(s: ApplyState, held: readonly Held[]): Promise<void> {
  const write = async (referrer: string, attribute: string, dn: string) => {
    const at = referrer.indexOf(':');
    const entry = s.tree.get(referrer.slice(0, at) as EntryType, referrer.slice(at + 1));
    if (entry) await s.conn.replace(entry.dn, { [attribute]: [dn] }, `${referrer}: reference ${attribute}`);
  };
  await Promise.all(held.map((h) => s.refs.arrived(idOf(h.type, h.key), write, s.logger)));
}

// ---- create ----------------------------------------------------------------------------

async function create(s: ApplyState, change: Change, type: EntryType, what: string): Promise<ChangeResult> {
  const naming = namingOf(s.cfg, type);
  const anchor = anchorOf(s.cfg, type);
  let name = newName(s, change, type, what);
  const attributes: Record<string, Values> = {
    objectClass: type === 'unit' ? UNIT_CLASSES : [...PERSON_CLASSES, ...s.cfg.persons.extraObjectClasses],
  };
  if (name === undefined && type === 'person' && !s.personNameMapped && same(naming, 'uid')) {
    name = change.key; // the key-derived uid: stable, and never personal data
    attributes[naming] = [name];
  }
  if (name === undefined)
    throw new ConnectorError('invalid-value', `${what}: its naming attribute ${naming} is not set`);
  for (const [k, v] of Object.entries(ldapValues(s, change))) if (v.length > 0) attributes[k] = v;
  attributes[anchor] = [markOf(change.key)];

  const container = await containerFor(s, change, type, what);
  const candidates = candidateDns(s.cfg, type, change.key, name, container);
  for (const [i, dn] of candidates.entries()) {
    const last = i === candidates.length - 1;
    // A name another orgsync entry or container has is not even tried.
    if (!last && (s.tree.at(dn) !== undefined || reserved(s, dn))) continue;
    try {
      await s.conn.add(dn, attributes, `create ${what}`);
    } catch (e) {
      if (!codeIs(e, ENTRY_ALREADY_EXISTS)) throw e;
      // This object's own entry, made by a run that died before it read it back: converge.
      const existing = await s.conn.lookup(dn, ['entryUUID', anchor], `create ${what}: look at its name`);
      const mine = existing && entryValues(existing, anchor).some((v) => keyOfMark(v) === change.key);
      if (mine) {
        const held = s.tree.set({
          type,
          key: change.key,
          dn,
          uuid: first(existing, 'entryUUID') ?? null,
          marked: true,
        });
        return update(s, change, held, true);
      }
      if (last)
        throw new ConnectorError(
          'conflict',
          `${what}: another entry holds its name below ${container} (not orgsync's); rename or remove it`,
          { cause: e },
        );
      continue;
    }
    const held = s.tree.set({ type, key: change.key, dn, uuid: null, marked: true });
    await announce(s, [held]);
    return applied(change);
  }
  throw new ConnectorError('conflict', `${what}: no free name below ${container}`);
}

// ---- update, move, enable --------------------------------------------------------------

/**
 * Whether an entry at `dn` is at `candidate`: the same container (names compared without
 * regard to case, as the server does), and exactly the same RDN, since a change of case in
 * a name is a rename too.
 */
function isAt(dn: string, candidate: string): boolean {
  const [rdn, ...parent] = parseDn(dn);
  const [wanted, ...wantedParent] = parseDn(candidate);
  if (!rdn || !wanted) return false;
  return (
    normaliseDn(formatDn([rdn])) === normaliseDn(formatDn([wanted])) &&
    sameDn(formatDn(parent), formatDn(wantedParent))
  );
}

/**
 * Moves and/or renames an entry to the first free candidate DN below `container`. Returns
 * the entry as it is afterwards, and whether the old RDN took the entry's mark with it.
 */
async function place(
  s: ApplyState,
  held: Held,
  container: string,
  name: string | undefined,
  what: string,
): Promise<{ held: Held; markLost: boolean }> {
  const value = name ?? rdnValue(held.dn, namingOf(s.cfg, held.type));
  const candidates = candidateDns(s.cfg, held.type, held.key, value, container, held.dn);
  if (candidates.some((dn) => isAt(held.dn, dn))) return { held, markLost: false };
  for (const [i, dn] of candidates.entries()) {
    const last = i === candidates.length - 1;
    const holder = s.tree.at(dn);
    const other = holder !== undefined && (holder.type !== held.type || holder.key !== held.key);
    if (!last && (other || reserved(s, dn))) continue;
    try {
      await s.conn.rename(held.dn, dn, `move ${what}`);
    } catch (e) {
      if (!codeIs(e, ENTRY_ALREADY_EXISTS) || last) {
        if (codeIs(e, ENTRY_ALREADY_EXISTS))
          throw new ConnectorError(
            'conflict',
            `${what}: another entry holds its name below ${container} (not orgsync's); rename or remove it`,
            { cause: e },
          );
        throw e;
      }
      continue;
    }
    const oldDn = held.dn;
    const moved = s.tree.set({ ...held, dn });
    const below = held.type === 'unit' ? s.tree.rebase(oldDn, dn) : [];
    await announce(s, [moved, ...below]);
    const anchor = anchorOf(s.cfg, held.type);
    return { held: moved, markLost: rdnHoldsMark(oldDn, anchor) && !rdnHoldsMark(dn, anchor) };
  }
  throw new ConnectorError('conflict', `${what}: no free name below ${container}`);
}

/** `placing`: put the entry where the change says (a move, a create converging, an enable). */
async function update(s: ApplyState, change: Change, held: Held, placing: boolean): Promise<ChangeResult> {
  const type = held.type;
  const what = `${type} ${change.key}`;
  const name = newName(s, change, type, what);
  const inDisabled = sameDn(parentDn(held.dn), disabledContainer(s.cfg));
  let markLost = false;
  if (placing || name !== undefined || inDisabled) {
    const container = placing || inDisabled ? await containerFor(s, change, type, what) : parentDn(held.dn);
    ({ held, markLost } = await place(s, held, container, name, what));
  }
  const values = ldapValues(s, change);
  if (!held.marked || markLost) values[anchorOf(s.cfg, type)] = [markOf(change.key)];
  if (type === 'person' && inDisabled) for (const k of Object.keys(s.cfg.disable.attributes)) values[k] = [];
  await s.conn.replace(held.dn, values, `update ${what}`);
  if (!held.marked) held = s.tree.set({ ...held, marked: true });
  return applied(change, held.uuid);
}

// ---- disable, delete -------------------------------------------------------------------

/** Moves the entry into the disabled container; a person also gets disable.attributes. */
async function disable(s: ApplyState, change: Change, held: Held, what: string): Promise<ChangeResult> {
  const container = disabledContainer(s.cfg);
  await ensureContainer(s, container, `disable ${what}`);
  const { held: moved, markLost } = await place(s, held, container, undefined, what);
  const values: Record<string, Values> = {};
  if (held.type === 'person') for (const [k, v] of Object.entries(s.cfg.disable.attributes)) values[k] = [v];
  if (!moved.marked || markLost) values[anchorOf(s.cfg, held.type)] = [markOf(change.key)];
  await s.conn.replace(moved.dn, values, `disable ${what}`);
  s.tree.set({ ...moved, marked: true });
  return applied(change, moved.uuid);
}

async function remove(s: ApplyState, change: Change, held: Held, what: string): Promise<ChangeResult> {
  try {
    await s.conn.remove(held.dn, `delete ${what}`);
  } catch (e) {
    if (codeIs(e, NOT_ALLOWED_ON_NON_LEAF))
      throw new ConnectorError(
        'conflict',
        `${what}: its OU still holds entries (not orgsync's, or not removed yet); move them out, or set onRemove.unit to disable`,
        { cause: e },
      );
    if (!codeIs(e, NO_SUCH_OBJECT)) throw e;
  }
  s.tree.forget(held.type, held.key);
  s.refs.forgetReferrer(idOf(held.type, held.key));
  return applied(change);
}
