/**
 * Reconcile mode: what FK holds for the municipality, read in bounded pages (soeg for the
 * UUIDs, list for the registrations, pageSize at a time) and turned back into orgsync's
 * objects, so that the plan shows drift (values someone changed in FK), objects FK has that
 * HR no longer has, and objects left by earlier tools.
 *
 * An object orgsync wrote is known by its UUID (derived from its key). Any other object of
 * the municipality is "foreign": it gets the key `fk:<uuid>` and, as HR does not have it, the
 * plan proposes its removal, which the target's onRemove and safety thresholds govern (so a
 * large clean-up waits for an administrator's approval). One whose BrugervendtNoegle is that
 * of an object orgsync keeps is labelled a duplicate.
 */
import type { Link } from '../../src/sdk/connector.js';
import type { Attrs, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import type { FkClient } from './client.js';
import type { FkConfig } from './config.js';
import { FUNKTIONSTYPE } from './identifiers.js';
import { ADDRESS_KINDS, type FkIds, FOREIGN, SERVICE_OF } from './objects.js';
import { currentEntries, currentRefs, hasStatus, type Registration } from './registration.js';
import type { EntityService } from './wsdl.js';

export interface ReadOptions {
  types: readonly ObjectType[];
  links: ReadonlyMap<string, Link>;
  /** Mapped attribute names per type: only these are decoded (and so compared). */
  attributes: Partial<Record<ObjectType, readonly string[]>>;
  pageSize: number;
}

/** The relation that ties an object to the municipality, by which soeg finds it. */
const MUNICIPALITY_RELATION: Record<ObjectType, string> = {
  unit: 'Tilhoerer',
  person: 'Tilhoerer',
  position: 'TilknyttedeOrganisationer',
};

const field = (reg: Registration, name: string): string | null =>
  currentEntries(reg.attributes)
    .flatMap((e) => e.fields)
    .find(([n]) => n === name)?.[1] ?? null;

const refs = currentRefs;
const inactive = (reg: Registration): boolean => hasStatus(reg, 'Inaktiv');

async function listAll(fk: FkClient, service: EntityService, uuids: readonly string[], pageSize: number) {
  const out = new Map<string, Registration>();
  for (let i = 0; i < uuids.length; i += pageSize) {
    for (const [u, r] of await fk.list(service, uuids.slice(i, i + pageSize))) out.set(u, r);
  }
  return out;
}

export async function readFk(
  fk: FkClient,
  cfg: FkConfig,
  ids: FkIds,
  opts: ReadOptions,
): Promise<CurrentObject[]> {
  // UUID -> key of everything orgsync wrote, per type (the UUIDs are derived from the keys).
  const known: Record<ObjectType, Map<string, string>> = {
    unit: new Map(),
    person: new Map(),
    position: new Map(),
  };
  const managerOf = new Map<string, string>();
  for (const id of opts.links.keys()) {
    const at = id.indexOf(':');
    const type = id.slice(0, at) as ObjectType;
    const key = id.slice(at + 1);
    if (type === 'unit') known.unit.set(ids.unit(key), key);
    else if (type === 'person') known.person.set(ids.user(key), key);
    else if (type === 'position') {
      known.position.set(ids.position(key), key);
      managerOf.set(ids.manager(key), key);
    }
  }
  const keyOf = (type: ObjectType, uuid: string) => known[type].get(uuid) ?? `${FOREIGN}${uuid}`;

  // Every object of the municipality, per type wanted.
  const regs: Partial<Record<ObjectType, Map<string, Registration>>> = {};
  for (const type of opts.types) {
    const service = SERVICE_OF[type];
    const uuids = await fk.soegAll(service, MUNICIPALITY_RELATION[type], cfg.organisation, opts.pageSize);
    regs[type] = await listAll(fk, service, uuids, opts.pageSize);
  }

  // Address values and persons (CPR, name) the objects point at, fetched in pages too.
  const wants = (type: ObjectType, name: string) => opts.attributes[type]?.includes(name) ?? false;
  const addressUuids = new Set<string>();
  const personUuids = new Set<string>();
  // Only for orgsync's own objects (only removal is planned for the others: their values,
  // CPR above all, are not read) and only the address kinds the mapping sets.
  for (const type of ['unit', 'person'] as const) {
    const roles = Object.entries(ADDRESS_KINDS[type].roles as Record<string, string>)
      .filter(([kind]) => wants(type, kind))
      .map(([, rolle]) => rolle);
    for (const [uuid, reg] of regs[type] ?? []) {
      if (!known[type].has(uuid)) continue;
      for (const e of refs(reg, 'Adresser')) if (e.rolle && roles.includes(e.rolle)) addressUuids.add(e.ref!);
      if (type === 'person' && wants('person', 'cpr'))
        for (const e of refs(reg, 'TilknyttedePersoner')) personUuids.add(e.ref!);
    }
  }
  const addresses = await listAll(fk, 'Adresse', [...addressUuids], opts.pageSize);
  const persons = await listAll(fk, 'Person', [...personUuids], opts.pageSize);
  const addressText = (uuid: string) => {
    const reg = addresses.get(uuid);
    return reg ? field(reg, 'AdresseTekst') : null;
  };

  const decodeAddresses = (type: 'unit' | 'person', reg: Registration, attrs: Attrs) => {
    const roles = ADDRESS_KINDS[type].roles as Record<string, string>;
    for (const [kind, rolle] of Object.entries(roles)) {
      if (!wants(type, kind)) continue;
      const e = refs(reg, 'Adresser').find((x) => x.rolle === rolle);
      attrs[kind] = e ? addressText(e.ref!) : null;
    }
  };
  const keyField = (type: ObjectType, reg: Registration, key: string, attrs: Attrs) => {
    if (!wants(type, 'userKey')) return;
    const v = field(reg, 'BrugervendtNoegleTekst');
    // orgsync writes the key when the mapping gives no user key: that reads back as none.
    attrs['userKey'] = v === key.slice(0, 50) ? null : v;
  };

  const out: CurrentObject[] = [];
  const ourKeys = new Map<string, string>(); // `${type}:${BrugervendtNoegle}` -> key, for duplicates

  for (const [uuid, reg] of regs.unit ?? []) {
    const key = keyOf('unit', uuid);
    const attrs: Attrs = {};
    if (wants('unit', 'name')) attrs['name'] = field(reg, 'EnhedNavn');
    keyField('unit', reg, key, attrs);
    if (wants('unit', 'unitType')) {
      const t = refs(reg, 'Enhedstype')[0]?.ref;
      const name = Object.entries(cfg.unitTypes).find(([, u]) => u === t)?.[0] ?? t ?? null;
      attrs['unitType'] = name === cfg.defaultUnitType ? null : name;
    }
    decodeAddresses('unit', reg, attrs);
    const parent = refs(reg, 'Overordnet')[0]?.ref;
    out.push({
      type: 'unit',
      key,
      targetId: uuid,
      parentKey: parent ? keyOf('unit', parent) : null,
      attrs,
      disabled: inactive(reg),
    });
  }

  for (const [uuid, reg] of regs.person ?? []) {
    const key = keyOf('person', uuid);
    const attrs: Attrs = {};
    if (wants('person', 'name')) attrs['name'] = field(reg, 'BrugerNavn');
    keyField('person', reg, key, attrs);
    decodeAddresses('person', reg, attrs);
    if (wants('person', 'cpr')) {
      const p = refs(reg, 'TilknyttedePersoner')[0]?.ref;
      const person = p ? persons.get(p) : undefined;
      attrs['cpr'] = person ? field(person, 'CPR-NummerTekst') : null;
    }
    // A Bruger has no unit in FK (its functions do): where orgsync placed it is what it holds.
    const parentKey = opts.links.get(`person:${key}`)?.parentKey ?? null;
    out.push({ type: 'person', key, targetId: uuid, parentKey, attrs, disabled: inactive(reg) });
  }

  const functions = regs.position ?? new Map<string, Registration>();
  const isManagerFunction = (reg: Registration) =>
    refs(reg, 'Funktionstype')[0]?.ref === FUNKTIONSTYPE.manager;
  for (const [uuid, reg] of functions) {
    // A manager function orgsync wrote is part of its position (the `manager` attribute).
    if (managerOf.has(uuid)) continue;
    const key = keyOf('position', uuid);
    const attrs: Attrs = {};
    if (wants('position', 'title')) attrs['title'] = field(reg, 'FunktionNavn');
    if (wants('position', 'person')) {
      const u = refs(reg, 'TilknyttedeBrugere')[0]?.ref;
      attrs['person'] = u ? keyOf('person', u) : null;
    }
    if (wants('position', 'manager') && !key.startsWith(FOREIGN)) {
      const mgr = functions.get(ids.manager(key));
      attrs['manager'] = mgr !== undefined && !inactive(mgr) && isManagerFunction(mgr);
    }
    const unit = refs(reg, 'TilknyttedeEnheder')[0]?.ref;
    out.push({
      type: 'position',
      key,
      targetId: uuid,
      parentKey: unit ? keyOf('unit', unit) : null,
      attrs,
      disabled: inactive(reg),
    });
  }

  // Duplicates: a foreign object with the user-facing key of one orgsync keeps.
  for (const o of out) {
    if (!o.key.startsWith(FOREIGN)) ourKeys.set(`${o.type}:${o.attrs?.['userKey'] ?? o.key}`, o.key);
  }
  for (const o of out) {
    if (!o.key.startsWith(FOREIGN)) continue;
    const reg = regs[o.type]!.get(o.targetId!)!;
    const bvn = field(reg, 'BrugervendtNoegleTekst');
    const twin = bvn === null ? undefined : ourKeys.get(`${o.type}:${bvn}`);
    // A user's BrugervendtNoegle is a user name: not shown.
    const shown = bvn && o.type !== 'person' ? ` (${bvn})` : '';
    o.foreign = true;
    o.label = twin
      ? `duplicate of ${o.type} ${twin} left in FK by another tool`
      : `in FK, not made by orgsync${shown}`;
  }
  return out;
}
