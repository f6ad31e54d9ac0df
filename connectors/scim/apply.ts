/**
 * One change, as SCIM requests. Persons are Users, units are Groups. A create first looks
 * for the resource (it may exist: made by an interrupted run, by someone before orgsync, or
 * by the same change applied twice) and brings that one to the desired values instead;
 * a delete or disable of what is gone is done.
 */
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue, Change, ChangeResult } from '../../src/sdk/types.js';
import { CORE_SCHEMA, ENDPOINT, type Found, type Kind } from './directory.js';
import { scimTypeOf } from './errors.js';
import { schemasOf, writePath } from './paths.js';
import type { Op } from './transport.js';
import {
  check,
  deleteResource,
  editsAgainst,
  editsOfChange,
  inactive,
  joinMessage,
  patchRefused,
  refusePatch,
  type Session,
  setMembership,
  type Write,
  writeResource,
} from './writes.js';

const WORD: Record<Kind, string> = { person: 'User', unit: 'Group' };

const applied = (change: Change, targetId: string | null): ChangeResult => ({
  changeId: change.id,
  status: 'applied',
  ...(targetId ? { targetId } : {}),
});

const isKind = (e: unknown, kind: string): e is ConnectorError =>
  e instanceof ConnectorError && e.kind === kind;

export async function applyScimChange(s: Session, change: Change): Promise<ChangeResult> {
  if (change.type === 'position')
    throw new ConnectorError('invalid-config', 'the scim target takes units and persons, not positions');
  const kind: Kind = change.type;
  const what = `${change.action} ${change.type} ${change.key}`;
  switch (change.action) {
    case 'create':
      return create(s, kind, change, what);
    case 'update':
    case 'move':
    case 'replace':
      return update(s, kind, change, what);
    case 'disable':
      return disable(s, kind, change, what);
    case 'delete':
      return remove(s, kind, change, what);
  }
}

/** Where the plan says the object is (with the version read), else where the service has it. */
async function locate(s: Session, kind: Kind, change: Change): Promise<Found | null> {
  if (change.targetId) {
    const known = s.dir.known(kind, change.key);
    return { id: change.targetId, version: known?.id === change.targetId ? known.version : null };
  }
  return s.dir.find(kind, change.key);
}

/**
 * Runs `write` on the resource the plan names; when that id is gone (deleted and made anew
 * by someone, or the state is old), once more on the one the service holds now, if any.
 */
async function onCurrent<T>(
  s: Session,
  kind: Kind,
  change: Change,
  write: (found: Found) => Promise<T>,
  gone: () => T,
): Promise<T> {
  const found = await locate(s, kind, change);
  if (!found) return gone();
  try {
    return await write(found);
  } catch (e) {
    if (!isKind(e, 'not-found')) throw e;
    s.dir.forget(kind, change.key);
    const now = await s.dir.find(kind, change.key, true);
    if (!now || now.id === found.id) return gone();
    return write(now);
  }
}

const newValue = (change: Change, name: string): AttrValue | undefined =>
  change.attrs.find((a) => a.name === name)?.new;

const needsMembership = (s: Session, kind: Kind, change: Change) =>
  kind === 'person' && s.cfg.units.members && change.parentKey !== null;

// ---- create ------------------------------------------------------------------------------

async function create(s: Session, kind: Kind, change: Change, what: string): Promise<ChangeResult> {
  const existing = await s.dir.find(kind, change.key);
  if (existing) return converge(s, kind, change, existing, {}, what);
  const userName = kind === 'person' ? newValue(change, 'userName') : undefined;
  if (typeof userName === 'string' && userName !== '' && s.cfg.users.correlateBy.includes('userName')) {
    const byName = await s.dir.findUserName(userName);
    if (byName) return adopt(s, change, byName, what);
  }

  const body: Record<string, unknown> = { externalId: s.dir.externalIdOf(kind, change.key) };
  if (kind === 'person') body['active'] = true;
  const edits = await editsOfChange(s, kind, change.attrs);
  for (const e of edits) if (e.value !== undefined) writePath(body, e.path, e.value);
  const ops: Op[] = [
    {
      method: 'POST',
      path: ENDPOINT[kind],
      data: { schemas: schemasOf(body, CORE_SCHEMA[kind]), ...body },
      bulkId: 'new',
    },
  ];
  // The new User joins its unit's Group in the same go (one bulk request, when bulk is used).
  const joinNow = needsMembership(s, kind, change) && s.features.patch;
  if (joinNow) {
    const group = await s.dir.find('unit', change.parentKey!);
    if (!group)
      throw new ConnectorError(
        'not-found',
        `${what}: unit ${change.parentKey} has no Group in the service yet`,
      );
    ops.push({
      method: 'PATCH',
      path: `/Groups/${encodeURIComponent(group.id)}`,
      data: joinMessage(s, 'bulkId:new'),
    });
  }
  const [made, joined] = await s.transport.run(ops, what);
  if (made && (made.status === 409 || scimTypeOf(made.body) === 'uniqueness'))
    return duplicate(s, kind, change, what);
  check(kind, what, made);
  const found = made!.id
    ? { id: made!.id, version: made!.version }
    : await s.dir.find(kind, change.key, true); // a bulk answer without a location
  if (!found) throw new ConnectorError('transient', `${what}: created, but the service does not show it yet`);
  s.dir.remember(kind, change.key, found);
  if (joinNow && joined && patchRefused(joined)) refusePatch(s, joined);
  if (joinNow && s.features.patch) check('unit', `${what}: join unit ${change.parentKey}`, joined);
  else if (needsMembership(s, kind, change)) await setMembership(s, found.id, change.parentKey!, true, what);
  return applied(change, found.id);
}

/**
 * The service refused the new resource as a duplicate: another request made it meanwhile (a
 * retried create whose first answer was lost), or a User holds the userName already.
 */
async function duplicate(s: Session, kind: Kind, change: Change, what: string): Promise<ChangeResult> {
  const mine = await s.dir.find(kind, change.key, true);
  if (mine) return converge(s, kind, change, mine, {}, what);
  const userName = kind === 'person' ? newValue(change, 'userName') : undefined;
  if (typeof userName === 'string' && userName !== '' && s.cfg.users.correlateBy.includes('userName')) {
    const byName = await s.dir.findUserName(userName, true);
    if (byName) return adopt(s, change, byName, what);
  }
  // Many services want unique Group displayNames, and unit names repeat (every school has an
  // "Administration"): a name that tells the units apart is the lasting fix.
  const unitHint =
    kind === 'unit'
      ? '; when units share the name, map a displayName that tells them apart, such as "${unit.name} (${unit.key})"'
      : '';
  throw new ConnectorError(
    'conflict',
    `${what}: the service refused the new ${WORD[kind]} as a duplicate (409), and holds none with this ${kind}'s externalId; another ${WORD[kind]} has the same ${kind === 'person' ? 'userName' : 'displayName'}: remove it, or set its externalId to ${s.dir.externalIdOf(kind, change.key)} so that orgsync takes it over${unitHint}`,
  );
}

/** A User with the person's userName: taken over when it is no one else's, never stolen. */
async function adopt(s: Session, change: Change, user: Found, what: string): Promise<ChangeResult> {
  if (user.externalId !== undefined && user.externalId !== change.key)
    throw new ConnectorError(
      'conflict',
      `${what}: a User with this person's userName exists and belongs to something else (its externalId is set); clear its externalId to let orgsync take it over, or map another userName`,
    );
  s.logger.info({ person: change.key }, 'adopting the existing User with the same userName');
  return converge(s, 'person', change, user, { externalId: change.key, adopting: true }, what);
}

/**
 * Whether an inactive User found for a create may be activated: only when orgsync itself
 * deactivated it (the state's link says so, for this id), or the change says to enable.
 * A User an administrator suspended, or one adopted by its userName, stays as it is.
 */
async function mayActivate(s: Session, change: Change, id: string): Promise<boolean> {
  if (change.enable === true) return true;
  const link = (await s.links?.())?.get(`person:${change.key}`);
  return link?.disabled === true && (link.targetId === null || link.targetId === id);
}

/** Brings an existing resource to the change's values: only what differs is written. */
async function converge(
  s: Session,
  kind: Kind,
  change: Change,
  found: Found,
  extra: Pick<Write, 'externalId'> & { adopting?: boolean },
  what: string,
): Promise<ChangeResult> {
  const path = `${ENDPOINT[kind]}/${encodeURIComponent(found.id)}`;
  const got = found.resource === undefined ? await s.http.get(path, what) : undefined;
  const resource = found.resource ?? got!.body;
  const version = found.resource === undefined ? got!.version : found.version;
  const activate =
    kind === 'person' && inactive(resource) && !extra.adopting && (await mayActivate(s, change, found.id));
  const write: Write = {
    edits: await editsAgainst(s, kind, resource, change.attrs),
    active: activate ? true : undefined,
    externalId: extra.externalId,
  };
  s.dir.remember(kind, change.key, { id: found.id, version });
  const after = await writeResource(s, kind, found.id, write, version, what);
  s.dir.setVersion(kind, change.key, after);
  if (needsMembership(s, kind, change)) await setMembership(s, found.id, change.parentKey!, true, what);
  return applied(change, found.id);
}

// ---- update, move, disable, delete -------------------------------------------------------

async function update(s: Session, kind: Kind, change: Change, what: string): Promise<ChangeResult> {
  const edits = await editsOfChange(s, kind, change.attrs);
  const write: Write = { edits, active: kind === 'person' && change.enable ? true : undefined };
  const id = await onCurrent(
    s,
    kind,
    change,
    async (found) => {
      const after = await writeResource(s, kind, found.id, write, found.version, what);
      s.dir.remember(kind, change.key, { id: found.id, version: after });
      return found.id;
    },
    () => {
      throw new ConnectorError(
        'not-found',
        `${what}: the service holds no ${WORD[kind]} for this ${kind} (deleted there?); the next run creates it again`,
      );
    },
  );
  // A person's unit is the Group they are a member of: a move moves the membership.
  if (needsMembership(s, kind, change) && change.action !== 'update') {
    if (change.oldParentKey && change.oldParentKey !== change.parentKey)
      await setMembership(s, id, change.oldParentKey, false, what);
    await setMembership(s, id, change.parentKey!, true, what);
  }
  return applied(change, id);
}

async function disable(s: Session, kind: Kind, change: Change, what: string): Promise<ChangeResult> {
  // A Group cannot be disabled: a closed unit's Group stays as it is (read() keeps it closed).
  if (kind === 'unit') return applied(change, change.targetId ?? s.dir.known(kind, change.key)?.id ?? null);
  const id = await onCurrent(
    s,
    kind,
    change,
    async (found) => {
      const after = await writeResource(s, kind, found.id, { edits: [], active: false }, found.version, what);
      s.dir.remember(kind, change.key, { id: found.id, version: after });
      return found.id;
    },
    () => null,
  );
  return applied(change, id);
}

async function remove(s: Session, kind: Kind, change: Change, what: string): Promise<ChangeResult> {
  await onCurrent(
    s,
    kind,
    change,
    (found) => deleteResource(s, kind, found.id, found.version, what),
    () => undefined,
  );
  s.dir.forget(kind, change.key);
  return applied(change, null);
}
