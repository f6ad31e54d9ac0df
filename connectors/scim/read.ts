/**
 * Reading the service once per run: every User and Group, page by page, of which orgsync's
 * own (see directory.ts) become current objects with the mapped attributes. References
 * (the enterprise manager) are read back as the key of the person they point at.
 *
 * What SCIM cannot hold is taken from what orgsync last did (the state's links): where a
 * unit sits (core SCIM Groups do not nest), whether a unit is closed (Groups cannot be
 * disabled), and, without unit memberships, which unit a person is in.
 */
import type { Link } from '../../src/sdk/connector.js';
import type { AttrValue, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import type { Kind } from './directory.js';
import { prop } from './discovery.js';
import { readPath } from './paths.js';
import { attrValue, inactive, pathOf, type Session } from './writes.js';

/** What is kept of one of orgsync's resources while the rest are listed. */
interface Seen {
  kind: Kind;
  key: string;
  id: string;
  /** Mapped attribute -> value as the service holds it (references still as SCIM ids). */
  raw: Map<string, unknown>;
  active: boolean;
}

export interface ReadResult {
  objects: CurrentObject[];
  /** `type:key` -> SCIM id, for objects whose link in the state is missing or old. */
  relinks: Map<string, string>;
}

export async function readService(
  s: Session,
  types: readonly ObjectType[],
  attributes: Partial<Record<ObjectType, readonly string[]>>,
  links: ReadonlyMap<string, Link> | undefined,
): Promise<ReadResult> {
  for (const kind of ['person', 'unit'] as const) {
    const linked: [string, string][] = [];
    for (const [id, link] of links ?? []) {
      if (id.startsWith(`${kind}:`) && link.targetId) linked.push([id.slice(kind.length + 1), link.targetId]);
    }
    s.dir.setLinks(kind, linked);
  }
  const persons = types.includes('person');
  const units = types.includes('unit');
  const members = s.cfg.units.members && persons;
  const seen: Seen[] = [];
  /** User id -> keys of the unit Groups it is a member of. */
  const memberOf = new Map<string, string[]>();
  /** Groups listed without a `members` attribute at all: id -> unit key. */
  const unlisted = new Map<string, string>();
  const addMembers = (key: string, list: unknown) => {
    for (const m of Array.isArray(list) ? list : []) {
      const user = prop(m, 'value');
      if (typeof user === 'string') (memberOf.get(user) ?? memberOf.set(user, []).get(user)!).push(key);
    }
  };

  const visitor = (kind: Kind, wanted: boolean) => (r: unknown) => {
    const key = s.dir.keyOfResource(kind, r);
    const id = prop(r, 'id') as string;
    if (key === undefined) return;
    if (members && kind === 'unit') {
      const list = prop(r, 'members');
      // No members at all: an empty Group, or a service that leaves members out of listings.
      if (list === undefined || list === null) unlisted.set(id, key);
      else addMembers(key, list);
    }
    if (!wanted) return;
    const raw = new Map<string, unknown>();
    for (const name of attributes[kind] ?? []) raw.set(name, readPath(r, pathOf(s, kind, name)));
    seen.push({ kind, key, id, raw, active: !inactive(r) });
  };
  if (persons) await s.dir.scan('person', visitor('person', true));
  if (units || members) await s.dir.scan('unit', visitor('unit', units), { members });
  /** Unit keys whose members the service does not show: the placement orgsync recorded stands. */
  const unknownMembers = members ? await readUnlisted(s, unlisted, links, addMembers) : new Set<string>();

  const objects: CurrentObject[] = [];
  const relinks = new Map<string, string>();
  for (const o of seen) {
    // Two resources with one key (a copied externalId): the one the directory chose counts.
    if (s.dir.known(o.kind, o.key)?.id !== o.id) continue;
    const link = links?.get(`${o.kind}:${o.key}`);
    if (link && link.targetId !== o.id) relinks.set(`${o.kind}:${o.key}`, o.id);
    const attrs: Record<string, AttrValue> = {};
    for (const [name, raw] of o.raw) attrs[name] = readValue(s, name, raw);
    const placed = link?.parentKey ?? null;
    if (o.kind === 'unit') {
      objects.push({
        type: 'unit',
        key: o.key,
        targetId: o.id,
        parentKey: placed,
        attrs,
        disabled: link?.disabled === true,
      });
      continue;
    }
    const groups = memberOf.get(o.id) ?? [];
    objects.push({
      type: 'person',
      key: o.key,
      targetId: o.id,
      // Several unit Groups (someone added one by hand): the one orgsync placed them in counts.
      parentKey: members
        ? placed !== null && (groups.includes(placed) || unknownMembers.has(placed))
          ? placed
          : (groups[0] ?? null)
        : placed,
      attrs,
      // Only a deactivation orgsync made counts: a User an administrator suspended is theirs.
      disabled: !o.active && (links === undefined || link?.disabled === true),
    });
  }
  return { objects, relinks };
}

/** Groups read one at a time, at most this many at once. */
const GROUP_READS = 8;

/**
 * The members of Groups the listing showed without any: many services leave members out of
 * list answers, and an empty Group has none to show. Only Groups orgsync placed someone in
 * are read again, by themselves (all of them when the state holds no placements); a Group
 * that shows no members even then is answered with the unit keys whose members are unknown.
 */
async function readUnlisted(
  s: Session,
  unlisted: ReadonlyMap<string, string>,
  links: ReadonlyMap<string, Link> | undefined,
  addMembers: (key: string, list: unknown) => void,
): Promise<Set<string>> {
  const placedIn = new Set<string>();
  for (const [id, link] of links ?? [])
    if (id.startsWith('person:') && typeof link.parentKey === 'string') placedIn.add(link.parentKey);
  const wanted = [...unlisted].filter(([, key]) => links === undefined || placedIn.has(key));
  const unknown = new Set<string>();
  for (let i = 0; i < wanted.length; i += GROUP_READS) {
    await Promise.all(
      wanted.slice(i, i + GROUP_READS).map(async ([id, key]) => {
        const got = await s.http.get(`/Groups/${encodeURIComponent(id)}`, 'read Group members', [404]);
        const list = got.status === 404 ? undefined : prop(got.body, 'members');
        if (list === undefined || list === null) unknown.add(key);
        else addMembers(key, list);
      }),
    );
  }
  return unknown;
}

/** A mapped value as read; a reference as the key of what it points at (an unknown id stays an id). */
function readValue(s: Session, name: string, raw: unknown): AttrValue {
  const refersTo = s.cfg.references[name];
  if (!refersTo) return attrValue(raw);
  const id = prop(raw, 'value');
  if (typeof id !== 'string' || id === '') return null;
  return s.dir.keyOf(refersTo, id) ?? id;
}
