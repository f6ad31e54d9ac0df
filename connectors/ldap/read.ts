/**
 * Reading the subtree orgsync owns, once per session: one paged search for every
 * organizationalUnit and inetOrgPerson entry below baseDn, with entryUUID (operational, so
 * asked for by name), the anchors and the mapped attributes.
 *
 * An entry is orgsync's when its anchor attribute holds `orgsync:<key>`, or when its
 * entryUUID is the one orgsync recorded for an object (ctx.links): an entry renamed, moved
 * or even stripped of its mark by hand is still found. A link wins over a mark, so a copied
 * mark never takes an object over. Entries that are neither are left alone.
 */
import type { Entry } from 'ldapts';
import { parentDn, sameDn } from '../../src/ldap/dn.js';
import { eq, or } from '../../src/ldap/filter.js';
import type { Link } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue, CurrentObject } from '../../src/sdk/types.js';
import { setOwn } from '../../src/util/collections.js';
import { first, values } from '../ad/entries.js';
import { disabledContainer, type LdapConfig, peopleContainer } from './config.js';
import type { LdapConnection } from './connection.js';
import { anchorOf, ELSEWHERE, keyOfMark } from './naming.js';
import { References } from './references.js';
import { type EntryType, type Held, idOf, Tree } from './tree.js';

export interface ReadOptions {
  unitAttributes: readonly string[];
  personAttributes: readonly string[];
  links: ReadonlyMap<string, Link>;
}

export interface TreeState {
  tree: Tree;
  refs: References;
  objects: CurrentObject[];
  /** `type:key` -> entryUUID, for the state to keep as the durable link. */
  relinks: Map<string, string>;
  /** Entries carrying the mark of an object another entry already is: left alone. */
  duplicates: number;
}

const typeOf = (e: Entry): EntryType | undefined => {
  const classes = values(e, 'objectClass').map((c) => c.toLowerCase());
  if (classes.includes('organizationalunit')) return 'unit';
  if (classes.includes('inetorgperson')) return 'person';
  return undefined;
};

export async function readTree(conn: LdapConnection, cfg: LdapConfig, opts: ReadOptions): Promise<TreeState> {
  const unitsMirrored = cfg.units.mode === 'ou-tree';
  const requested = new Set([
    'entryUUID',
    'objectClass',
    cfg.units.anchorAttribute,
    cfg.persons.anchorAttribute,
    ...opts.unitAttributes,
    ...opts.personAttributes,
  ]);
  let entries: Entry[];
  try {
    entries = await conn.search(
      cfg.baseDn,
      or(eq('objectClass', 'organizationalUnit'), eq('objectClass', 'inetOrgPerson')),
      [...requested],
      `read the entries below ${cfg.baseDn}`,
    );
  } catch (e) {
    if (e instanceof ConnectorError && e.kind === 'not-found')
      throw new ConnectorError(
        'invalid-config',
        `baseDn ${cfg.baseDn} does not exist: create it (orgsync owns the subtree below it)`,
        { cause: e },
      );
    throw e;
  }

  // Which object each recorded entryUUID belongs to.
  const linked = new Map<string, { type: EntryType; key: string }>();
  for (const [id, link] of opts.links) {
    const at = id.indexOf(':');
    const type = id.slice(0, at);
    if (link.targetId && (type === 'unit' || type === 'person'))
      linked.set(link.targetId, { type, key: id.slice(at + 1) });
  }

  const found: { e: Entry; held: Held; byLink: boolean }[] = [];
  for (const e of entries) {
    const type = typeOf(e);
    if (!type || (type === 'unit' && !unitsMirrored)) continue;
    const uuid = first(e, 'entryUUID') ?? null;
    const link = uuid === null ? undefined : linked.get(uuid);
    const markKey = values(e, anchorOf(cfg, type))
      .map(keyOfMark)
      .find((k) => k !== undefined);
    const key = link?.type === type ? link.key : markKey;
    if (key === undefined) continue;
    found.push({
      e,
      held: { type, key, dn: e.dn, uuid, marked: markKey === key },
      byLink: link !== undefined,
    });
  }
  // Linked entries first: a link wins over a mark someone copied onto another entry.
  found.sort((a, b) => Number(b.byLink) - Number(a.byLink));

  const tree = new Tree();
  const kept: { e: Entry; held: Held }[] = [];
  let duplicates = 0;
  for (const f of found) {
    if (tree.get(f.held.type, f.held.key)) {
      duplicates++;
      continue;
    }
    kept.push({ e: f.e, held: tree.set(f.held) });
  }

  const refs = new References(cfg.references, tree);
  const disabled = disabledContainer(cfg);
  const people = peopleContainer(cfg);
  const objects: CurrentObject[] = [];
  for (const { e, held } of kept) {
    const parent = parentDn(held.dn);
    const isDisabled = sameDn(parent, disabled);
    const above = tree.at(parent);
    let parentKey: string | null;
    if (isDisabled) parentKey = null;
    else if (above?.type === 'unit') parentKey = above.key;
    else if (held.type === 'unit' ? sameDn(parent, cfg.baseDn) : !unitsMirrored && sameDn(parent, people))
      parentKey = null;
    else parentKey = ELSEWHERE;
    const names = held.type === 'unit' ? opts.unitAttributes : opts.personAttributes;
    objects.push({
      type: held.type,
      key: held.key,
      targetId: held.uuid,
      parentKey,
      attrs: attrsOf(e, names, refs, idOf(held.type, held.key)),
      // Only orgsync puts entries in the disabled container (it owns the subtree).
      disabled: isDisabled,
    });
  }
  return { tree, refs, objects, relinks: relinksOf(objects, opts.links), duplicates };
}

/** The mapped attributes of an entry; references (manager DN) as the key of what they name. */
function attrsOf(
  e: Entry,
  names: readonly string[],
  refs: References,
  id: string,
): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const name of names) {
    const vs = values(e, name);
    let value: AttrValue = vs.length === 0 ? null : vs.length === 1 ? vs[0]! : vs;
    if (refs.kindOf(name) && typeof value === 'string') value = refs.keyOfDn(id, name, value);
    setOwn(out, name, value);
  }
  return out;
}

/** entryUUIDs orgsync holds no link for yet (entries it made without reading them back). */
function relinksOf(objects: readonly CurrentObject[], links: ReadonlyMap<string, Link>): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const id = `${o.type}:${o.key}`;
    const link = links.get(id);
    if (link && o.targetId && link.targetId !== o.targetId) out.set(id, o.targetId);
  }
  return out;
}
