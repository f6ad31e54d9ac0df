/**
 * Writing one resource: PATCH (RFC 7644 section 3.5.2) when the service takes it, else
 * PUT of the whole resource, fetched first and changed only where orgsync's attributes are
 * (section 3.5.1). With ETags, every write of orgsync's own resources carries If-Match: the
 * version read when the plan was made, so a resource someone changed in between is not
 * overwritten but reported as a conflict.
 */
import type { Logger } from 'pino';
import { normaliseEmpty, sameText } from '../../src/plan/diff.js';
import type { Link } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue } from '../../src/sdk/types.js';
import { getOrCreate } from '../../src/util/collections.js';
import { RwLock } from '../../src/util/rw-lock.js';
import type { ScimConfig } from './config.js';
import { CORE_SCHEMA, type Directory, ENDPOINT, filterString, type Kind } from './directory.js';
import { type Features, prop } from './discovery.js';
import { scimTypeOf, statusError } from './errors.js';
import { isSuccess, type ScimHttp } from './http.js';
import {
  type AttrPath,
  parseAttrPath,
  patchPath,
  readPath,
  removePath,
  schemasOf,
  writePath,
} from './paths.js';
import type { OpResult, Transport } from './transport.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const WORD: Record<Kind, string> = { person: 'User', unit: 'Group' };

/** Everything a change needs of the session. */
export interface Session {
  cfg: ScimConfig;
  http: ScimHttp;
  /** Resolved once; `patch` is turned off when the service refuses PATCH after all. */
  features: Features;
  dir: Directory;
  transport: Transport;
  logger: Logger;
  /** One read-modify-write of a Group's members at a time (PUT without PATCH). */
  groupLocks: Map<string, RwLock>;
  /** Parsed mapping attribute names, per kind. */
  paths: Record<Kind, Map<string, AttrPath>>;
  /** What orgsync recorded for each object (`type:key` -> link), when the engine tells. */
  links?: (() => Promise<ReadonlyMap<string, Link>>) | undefined;
}

/** One attribute to set (value) or clear (undefined), and whether it has a value now (undefined: unknown). */
export interface Edit {
  path: AttrPath;
  value: unknown;
  existed: boolean | undefined;
}

export interface Write {
  edits: Edit[];
  /** Users only: set `active`. */
  active?: boolean | undefined;
  /** Set externalId (adopting a resource someone else made). */
  externalId?: string | undefined;
}

const empty = (v: unknown) => v === undefined || normaliseEmpty(v as AttrValue) === null;

export const pathOf = (s: Session, kind: Kind, name: string): AttrPath =>
  getOrCreate(s.paths[kind], name, () => parseAttrPath(name, kind));

/** A value as SCIM holds it, or 'skip' for a reference to an object the service does not hold. */
async function scimValue(
  s: Session,
  kind: Kind,
  name: string,
  value: AttrValue,
): Promise<{ value: unknown } | 'skip'> {
  if (empty(value)) return { value: undefined };
  const refersTo = s.cfg.references[name];
  if (!refersTo) return { value };
  const found = await s.dir.find(refersTo, String(value));
  if (!found) {
    // The manager is not in this service (out of scope, or not yet created): left as it is.
    s.logger.warn(
      { kind, attribute: name, refers: `${refersTo} ${String(value)}` },
      'reference not written: no resource for it',
    );
    return 'skip';
  }
  return { value: { value: found.id } };
}

/** The edits a planned change asks for: the plan knows the old values (from the read). */
export async function editsOfChange(
  s: Session,
  kind: Kind,
  attrs: readonly { name: string; new: AttrValue; old?: AttrValue }[],
): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const a of attrs) {
    const v = await scimValue(s, kind, a.name, a.new);
    if (v === 'skip') continue;
    edits.push({
      path: pathOf(s, kind, a.name),
      value: v.value,
      existed: a.old === undefined ? undefined : !empty(a.old),
    });
  }
  return edits;
}

/** The edits that take an existing resource to the desired values: only what differs. */
export async function editsAgainst(
  s: Session,
  kind: Kind,
  resource: unknown,
  attrs: readonly { name: string; new: AttrValue }[],
): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const a of attrs) {
    const v = await scimValue(s, kind, a.name, a.new);
    if (v === 'skip') continue;
    const path = pathOf(s, kind, a.name);
    const now = readPath(resource, path);
    const same = s.cfg.references[a.name]
      ? prop(now, 'value') === prop(v.value, 'value')
      : sameText(attrValue(now), attrValue(v.value));
    if (!same) edits.push({ path, value: v.value, existed: !empty(now) });
  }
  return edits;
}

/** Whether a User is inactive; some services send `active` as the string "False". */
export const inactive = (resource: unknown): boolean => {
  const v = prop(resource, 'active');
  return v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
};

/** A SCIM value as an orgsync attribute value. */
export function attrValue(v: unknown): AttrValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return JSON.stringify(v);
}

const opName = (s: Session, op: 'add' | 'replace' | 'remove') =>
  s.cfg.patchOpCase === 'capitalised' ? `${op[0]!.toUpperCase()}${op.slice(1)}` : op;

/** The entry of a typed multi-valued attribute an edit belongs to: `addresses` + `work`, without case. */
const entryKey = (p: AttrPath & { kind: 'typed' }) => `${p.attr.toLowerCase()}\u0000${p.type.toLowerCase()}`;

/**
 * The PATCH operations of a write. A typed entry's sub-attribute that has no value yet goes
 * as `replace emails[type eq "work"].display`: it fills the entry of that type, and a
 * service that holds no such entry answers `400 noTarget`, which writes the change with PUT.
 * Only a new entry's `value` goes as `add emails [{type, value}]` (a filtered path that
 * matches nothing is noTarget), with every other new sub-attribute of that entry in the
 * same object: an `add` to a multi-valued attribute appends (RFC 7644 section 3.5.2.1), so
 * a second `add` of the same type would make a second entry.
 */
function patchMessage(s: Session, w: Write): object | null {
  const ops: { op: string; path: string; value?: unknown }[] = [];
  /** New entries (a `value` that was not there): the object sent, by entry. */
  const adding = new Map<string, Record<string, unknown>>();
  for (const e of w.edits)
    if (e.value !== undefined && e.existed === false && e.path.kind === 'typed' && e.path.sub === 'value')
      adding.set(entryKey(e.path), { type: e.path.type });
  for (const e of w.edits) {
    if (e.value === undefined) {
      if (e.existed !== false) ops.push({ op: opName(s, 'remove'), path: removePath(e.path) });
      continue;
    }
    const entry = e.path.kind === 'typed' && e.existed === false ? adding.get(entryKey(e.path)) : undefined;
    if (entry && e.path.kind === 'typed') {
      if (Object.keys(entry).length === 1)
        ops.push({ op: opName(s, 'add'), path: e.path.attr, value: [entry] });
      entry[e.path.sub] = e.value;
    } else
      ops.push({
        op: opName(s, e.existed === false && e.path.kind !== 'typed' ? 'add' : 'replace'),
        path: patchPath(e.path),
        value: e.value,
      });
  }
  if (w.externalId !== undefined)
    ops.push({ op: opName(s, 'replace'), path: 'externalId', value: w.externalId });
  if (w.active !== undefined) ops.push({ op: opName(s, 'replace'), path: 'active', value: w.active });
  return ops.length === 0 ? null : { schemas: [PATCH_OP], Operations: ops };
}

/** The body of a PUT: the resource as the service holds it, with the write applied. */
function putBody(kind: Kind, resource: unknown, w: Write): Record<string, unknown> {
  const body = structuredClone(resource) as Record<string, unknown>;
  for (const k of Object.keys(body)) if (/^(meta|groups)$/i.test(k)) delete body[k];
  for (const e of w.edits) writePath(body, e.path, e.value);
  if (w.externalId !== undefined) body['externalId'] = w.externalId;
  if (w.active !== undefined) body['active'] = w.active;
  const had = Array.isArray(body['schemas']) ? (body['schemas'] as string[]) : [];
  body['schemas'] = [...new Set([...had, ...schemasOf(body, CORE_SCHEMA[kind])])];
  return body;
}

/** The error for a failed operation; a version mismatch in words an operator understands. */
export function failure(kind: Kind, what: string, r: OpResult): ConnectorError {
  if (r.status === 412)
    return new ConnectorError(
      'conflict',
      `${what}: the ${WORD[kind]} was changed in the service after orgsync read it (412 Precondition Failed); nothing was written, and the next run reads it again and plans from there`,
    );
  if (r.status === 0)
    return new ConnectorError('transient', `${what}: not sent, because an operation before it failed`);
  return statusError(what, r.status, r.body, r.retryAfterMs);
}

export function check(kind: Kind, what: string, r: OpResult | undefined): OpResult {
  if (!r) throw new ConnectorError('transient', `${what}: the service gave no answer for the operation`);
  if (!isSuccess(r.status)) throw failure(kind, what, r);
  return r;
}

/**
 * Whether PATCH did not work for this write, though the service said it takes PATCH: it
 * refused the method (405, 501), or a path the plan thought was there (400 noTarget).
 */
export const patchRefused = (r: OpResult) =>
  r.status === 405 || r.status === 501 || (r.status === 400 && scimTypeOf(r.body) === 'noTarget');

/** After a 405 or 501 to PATCH: the rest of the session writes with PUT. */
export function refusePatch(s: Session, r: OpResult): void {
  if (r.status === 400 || !s.features.patch) return;
  s.features.patch = false;
  s.logger.info({ origin: s.http.origin }, 'the service refuses PATCH: writing with PUT from now on');
}

/**
 * Writes `w` to resource `id`. `version` is what the plan saw (If-Match with ETags).
 * Returns the version after the write.
 */
export async function writeResource(
  s: Session,
  kind: Kind,
  id: string,
  w: Write,
  version: string | null,
  what: string,
): Promise<string | null> {
  const path = `${ENDPOINT[kind]}/${encodeURIComponent(id)}`;
  const ifMatch = s.features.etag ? version : null;
  if (s.features.patch) {
    const message = patchMessage(s, w);
    if (!message) return version;
    const [r] = await s.transport.run([{ method: 'PATCH', path, data: message, version: ifMatch }], what);
    if (!r || !patchRefused(r)) return check(kind, what, r).version;
    // 400 noTarget: a value the plan thought was there is not; PUT of the whole resource is exact.
    refusePatch(s, r);
  } else if (w.edits.length === 0 && w.active === undefined && w.externalId === undefined) return version;
  const got = await s.http.send('GET', path, { what });
  if (!isSuccess(got.status)) throw failure(kind, what, { ...got, id: null });
  // Without PATCH the check is ours: the resource must be the one the plan was made from.
  if (ifMatch && got.version && got.version !== ifMatch)
    throw failure(kind, what, { ...got, status: 412, id: null });
  const body = putBody(kind, got.body, w);
  const [r] = await s.transport.run(
    [{ method: 'PUT', path, data: body, version: s.features.etag ? got.version : null }],
    what,
  );
  return check(kind, what, r).version;
}

/** Deletes resource `id`; one already gone counts as deleted. */
export async function deleteResource(
  s: Session,
  kind: Kind,
  id: string,
  version: string | null,
  what: string,
): Promise<void> {
  const path = `${ENDPOINT[kind]}/${encodeURIComponent(id)}`;
  const [r] = await s.transport.run(
    [{ method: 'DELETE', path, version: s.features.etag ? version : null }],
    what,
  );
  if (r?.status !== 404) check(kind, what, r);
}

// ---- unit group membership -------------------------------------------------------------------

/** The PATCH that adds a member: `user` may be an id or a `bulkId:` reference. */
export const joinMessage = (s: Session, user: string) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: opName(s, 'add'), path: 'members', value: [{ value: user }] }],
});

const leaveMessage = (s: Session, user: string) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: opName(s, 'remove'), path: `members[value eq ${filterString(user)}]` }],
});

/**
 * Makes User `userId` a member (join) or not (leave) of the Group of unit `unitKey`.
 * Membership writes carry no If-Match: other persons join the same Group meanwhile.
 */
export async function setMembership(
  s: Session,
  userId: string,
  unitKey: string,
  join: boolean,
  what: string,
): Promise<void> {
  const group = await s.dir.find('unit', unitKey);
  if (!group) {
    if (!join) return;
    throw new ConnectorError('not-found', `${what}: unit ${unitKey} has no Group in the service yet`);
  }
  const path = `/Groups/${encodeURIComponent(group.id)}`;
  if (s.features.patch) {
    const message = join ? joinMessage(s, userId) : leaveMessage(s, userId);
    const [r] = await s.transport.run([{ method: 'PATCH', path, data: message }], what);
    if (!r || !patchRefused(r)) {
      if (!(r?.status === 404 && !join)) check('unit', what, r);
      return;
    }
    refusePatch(s, r);
  }
  // Read, change, write back, one writer per Group: concurrent joins must not undo each other.
  await getOrCreate(s.groupLocks, group.id, () => new RwLock()).exclusive(async () => {
    for (let attempt = 1; ; attempt++) {
      const got = await s.http.get(path, what);
      const members = prop(got.body, 'members');
      const list = Array.isArray(members) ? members : [];
      const has = list.some((m) => prop(m, 'value') === userId);
      if (has === join) return;
      const next = join
        ? [...list, { value: userId, type: 'User' }]
        : list.filter((m) => prop(m, 'value') !== userId);
      const body = putBody('unit', got.body, { edits: [] });
      body['members'] = next;
      const [r] = await s.transport.run(
        [{ method: 'PUT', path, data: body, version: s.features.etag ? got.version : null }],
        what,
      );
      // Someone else changed the Group between our read and write: read it again.
      if (r?.status === 412 && attempt < 3) continue;
      check('unit', what, r);
      return;
    }
  });
}
