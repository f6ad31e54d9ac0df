/**
 * orgsync's objects as FK objects, and one change as the FK writes it takes:
 * - a unit is an OrganisationEnhed (Overordnet = its parent, Tilhoerer = the municipality,
 *   Enhedstype) with one Adresse object per address value;
 * - a person is a Bruger with its Person (name, CPR) and one Adresse per address value;
 * - a position is an OrganisationFunktion of the position type tying the user to the unit,
 *   and, when mapped `manager: true`, a second one of the manager type.
 * Each FK object has a UUID derived from orgsync's key (fkUuid), so every write can be
 * repeated. A change writes only what it changes: an update of a user's e-mail touches the
 * e-mail's Adresse and the Bruger's relation to it, nothing else.
 */
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue, Change, ObjectType } from '../../src/sdk/types.js';
import type { EnsureMode, FkClient } from './client.js';
import type { FkConfig } from './config.js';
import { FUNKTIONSTYPE, fkUuid, UNIT_ADDRESSES, USER_ADDRESSES } from './identifiers.js';
import { currentRefs, type Desired, hasStatus, type RelationSlot } from './registration.js';
import type { EntityService } from './wsdl.js';

type AddressKinds = typeof UNIT_ADDRESSES | typeof USER_ADDRESSES;
/** The address kinds of units and of persons (users). */
export const ADDRESS_KINDS = { unit: UNIT_ADDRESSES, person: USER_ADDRESSES } as const;

/** Objects a reconcile found in FK that orgsync did not make: key `fk:<uuid>`. */
export const FOREIGN = 'fk:';

/** The attributes a mapping may set, per object type; `required` ones must be mapped. */
export const ATTRIBUTES: Record<ObjectType, { known: readonly string[]; required: readonly string[] }> = {
  unit: { known: ['name', 'userKey', 'unitType', ...Object.keys(UNIT_ADDRESSES.roles)], required: ['name'] },
  person: { known: ['name', 'userKey', 'cpr', ...Object.keys(USER_ADDRESSES.roles)], required: ['name'] },
  position: { known: ['title', 'person', 'manager'], required: ['person'] },
};

/** The FK service of an orgsync object's main FK object. */
export const SERVICE_OF: Record<ObjectType, EntityService> = {
  unit: 'OrganisationEnhed',
  person: 'Bruger',
  position: 'OrganisationFunktion',
};

/** The FK UUIDs of one organisation's objects. */
export class FkIds {
  constructor(readonly organisation: string) {}
  unit = (key: string) => fkUuid(this.organisation, 'unit', key);
  user = (personKey: string) => fkUuid(this.organisation, 'user', personKey);
  person = (personKey: string) => fkUuid(this.organisation, 'person', personKey);
  position = (key: string) => fkUuid(this.organisation, 'position', key);
  manager = (positionKey: string) => fkUuid(this.organisation, 'manager', positionKey);
  address = (owner: 'unit' | 'user', kind: string, key: string) =>
    fkUuid(this.organisation, `${owner}-${kind}`, key);
}

/** An attribute value as FK text; empty means none. */
function text(v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  const s = (Array.isArray(v) ? v.join(', ') : String(v)).trim();
  return s === '' ? null : s;
}

/** The contract's maxLength of the fields orgsync fills from mapped attributes (the XSDs). */
const MAX_LENGTH: Record<string, number> = {
  EnhedNavn: 200,
  BrugerNavn: 200,
  FunktionNavn: 200,
  AdresseTekst: 200,
  NavnTekst: 100,
  BrugervendtNoegleTekst: 50,
};

/**
 * A mapped value as the FK field `field` takes it. A value longer than the contract allows is
 * refused here, naming the attribute, rather than cut without a word: the mapping says how to
 * shorten it (`| truncate(n)`), so what FK holds is what the plan showed.
 */
function fieldText(v: AttrValue | undefined, field: string, attr: string, what: string): string | null {
  const t = text(v);
  const max = MAX_LENGTH[field];
  if (t !== null && max !== undefined && [...t].length > max) {
    throw new ConnectorError(
      'invalid-value',
      `${what}: ${attr} is ${[...t].length} characters and FK's ${field} takes at most ${max}: ` +
        `shorten it in the mapping, e.g. \`| truncate(${max})\``,
    );
  }
  return t;
}

const isTrue = (v: AttrValue | undefined) => v === true || text(v)?.toLowerCase() === 'true';

const isEmpty = (d: Desired) =>
  !d.fields && !d.status && !d.endAllRelations && (d.relations === undefined || d.relations.length === 0);

export class ObjectWriter {
  readonly #fk: FkClient;
  readonly #cfg: FkConfig;
  /** The FK UUIDs of the municipality's objects (the reconcile reader needs them too). */
  readonly ids: FkIds;

  constructor(fk: FkClient, cfg: FkConfig) {
    this.#fk = fk;
    this.#cfg = cfg;
    this.ids = new FkIds(cfg.organisation);
  }

  /** The FK object that stands for an orgsync object (what recover() looks for). */
  main(type: ObjectType, key: string): { service: EntityService; uuid: string } {
    const service = SERVICE_OF[type];
    if (key.startsWith(FOREIGN)) return { service, uuid: key.slice(FOREIGN.length) };
    const uuid =
      type === 'unit' ? this.ids.unit(key) : type === 'person' ? this.ids.user(key) : this.ids.position(key);
    return { service, uuid };
  }

  /** Writes one change; returns the FK UUID of the object it stands for. */
  async apply(change: Change): Promise<string> {
    const { service, uuid } = this.main(change.type, change.key);
    if (change.key.startsWith(FOREIGN)) {
      // Only removal is ever planned for what orgsync did not make.
      if (change.action !== 'delete' && change.action !== 'disable')
        throw new ConnectorError(
          'invalid-value',
          `${service} ${uuid}: orgsync does not ${change.action} objects it did not make`,
        );
      await this.#remove(service, uuid, change, `${service} ${uuid} (not made by orgsync)`);
      return uuid;
    }
    if (change.type === 'unit') await this.#unit(change);
    else if (change.type === 'person') await this.#person(change);
    else await this.#position(change);
    return uuid;
  }

  // --- removal ------------------------------------------------------------------------------------

  /** disable: Gyldighed Inaktiv. delete: per `removal`, inactive with relations ended, or passiver. */
  async #remove(service: EntityService, uuid: string, change: Change, what: string): Promise<void> {
    if (change.action === 'delete' && this.#cfg.removal === 'passivate') {
      await this.#fk.passiver(service, uuid, what);
      return;
    }
    const want: Desired =
      change.action === 'delete' ? { status: 'Inaktiv', endAllRelations: true } : { status: 'Inaktiv' };
    await this.#ifExists(service, uuid, want, what);
  }

  /** An update of an object that may not exist (a manager function): nothing to do when FK lacks it. */
  async #ifExists(service: EntityService, uuid: string, want: Desired, what: string): Promise<void> {
    try {
      await this.#fk.ensure(service, uuid, want, 'update', what);
    } catch (e) {
      if (!(e instanceof ConnectorError && e.kind === 'not-found')) throw e;
    }
  }

  // --- addresses ----------------------------------------------------------------------------------

  /**
   * The Adresse objects of the address attributes a change sets, written first, and the
   * owner's Adresser relation slots that point at them (empty for a value that went away).
   */
  async #addresses(
    owner: 'unit' | 'user',
    kinds: AddressKinds,
    change: Change,
    attrs: Map<string, AttrValue>,
    mode: EnsureMode,
  ): Promise<RelationSlot[]> {
    const slots: RelationSlot[] = [];
    const writes: Promise<unknown>[] = [];
    for (const [kind, rolle] of Object.entries(kinds.roles)) {
      if (!attrs.has(kind)) continue;
      const value = fieldText(attrs.get(kind), 'AdresseTekst', kind, `${change.type} ${change.key}`);
      const uuid = this.ids.address(owner, kind, change.key);
      slots.push({
        name: 'Adresser',
        rolle,
        refs: value === null ? [] : [{ uuid, rolle, type: kinds.type }],
      });
      if (value === null) continue;
      const fields = { BrugervendtNoegleTekst: `${change.key}-${kind}`.slice(0, 50), AdresseTekst: value };
      const what = `Adresse ${uuid} (${change.type} ${change.key} ${kind})`;
      writes.push(
        this.#fk.ensure('Adresse', uuid, { fields }, mode === 'create' ? 'create' : 'upsert', what),
      );
    }
    await Promise.all(writes);
    return slots;
  }

  // --- units --------------------------------------------------------------------------------------

  async #unit(change: Change): Promise<void> {
    const uuid = this.ids.unit(change.key);
    const what = `OrganisationEnhed ${uuid} (unit ${change.key})`;
    if (change.action === 'delete' || change.action === 'disable')
      return this.#remove('OrganisationEnhed', uuid, change, what);
    const attrs = new Map(change.attrs.map((a) => [a.name, a.new]));
    const creating = change.action === 'create' || change.action === 'replace';
    const mode: EnsureMode = creating ? 'create' : 'update';
    // Everything that can be refused is worked out before the first write.
    const relations: RelationSlot[] = [];
    const fields: Record<string, string | null> = {};
    if (creating || attrs.has('userKey'))
      fields.BrugervendtNoegleTekst =
        fieldText(attrs.get('userKey'), 'BrugervendtNoegleTekst', 'userKey', what) ?? change.key.slice(0, 50);
    if (attrs.has('name')) fields.EnhedNavn = fieldText(attrs.get('name'), 'EnhedNavn', 'name', what);
    if (creating || attrs.has('unitType')) {
      const type = text(attrs.get('unitType')) ?? this.#cfg.defaultUnitType;
      const enhedstype = this.#cfg.unitTypes[type];
      if (!enhedstype) {
        throw new ConnectorError(
          'invalid-value',
          `${what}: unit type "${type}" has no Enhedstype: add it to unitTypes in the target's config`,
        );
      }
      relations.push({ name: 'Enhedstype', refs: [{ uuid: enhedstype }] });
    }
    if (creating || change.action === 'move') {
      const parent = change.parentKey;
      relations.push({ name: 'Overordnet', refs: parent === null ? [] : [{ uuid: this.ids.unit(parent) }] });
    }
    if (creating) relations.push({ name: 'Tilhoerer', refs: [{ uuid: this.#cfg.organisation }] });
    relations.unshift(...(await this.#addresses('unit', UNIT_ADDRESSES, change, attrs, mode)));
    const want: Desired = { relations };
    if (Object.keys(fields).length > 0) want.fields = fields;
    if (creating || change.enable) want.status = 'Aktiv';
    if (!isEmpty(want)) await this.#fk.ensure('OrganisationEnhed', uuid, want, mode, what);
  }

  // --- persons ------------------------------------------------------------------------------------

  async #person(change: Change): Promise<void> {
    const userUuid = this.ids.user(change.key);
    const what = `Bruger ${userUuid} (person ${change.key})`;
    if (change.action === 'delete' || change.action === 'disable')
      return this.#remove('Bruger', userUuid, change, what);
    const attrs = new Map(change.attrs.map((a) => [a.name, a.new]));
    const creating = change.action === 'create' || change.action === 'replace';
    const mode: EnsureMode = creating ? 'create' : 'update';
    const personUuid = this.ids.person(change.key);

    // The Person and the address objects first (in parallel): the Bruger points at them.
    const personFields: Record<string, string | null> = {};
    if (creating) personFields.BrugervendtNoegleTekst = change.key.slice(0, 50);
    if (attrs.has('name')) personFields.NavnTekst = fieldText(attrs.get('name'), 'NavnTekst', 'name', what);
    // CPR is sent to FK (it is what FK ties the person by), never put in a message or log:
    // a malformed one is refused here, before FK's validator could quote it back.
    if (attrs.has('cpr')) {
      const cpr = text(attrs.get('cpr'));
      if (cpr !== null && !/^\d{10}$/.test(cpr))
        throw new ConnectorError(
          'invalid-value',
          `${what}: cpr is not 10 digits (FK takes it without a dash)`,
        );
      personFields['CPR-NummerTekst'] = cpr;
    }
    const personWrite =
      Object.keys(personFields).length > 0
        ? this.#fk.ensure(
            'Person',
            personUuid,
            { fields: personFields },
            creating ? 'create' : 'upsert',
            `Person ${personUuid} (person ${change.key})`,
          )
        : Promise.resolve();
    const [relations] = await Promise.all([
      this.#addresses('user', USER_ADDRESSES, change, attrs, mode),
      personWrite,
    ]);

    const fields: Record<string, string | null> = {};
    if (creating || attrs.has('userKey'))
      fields.BrugervendtNoegleTekst =
        fieldText(attrs.get('userKey'), 'BrugervendtNoegleTekst', 'userKey', what) ?? change.key.slice(0, 50);
    if (attrs.has('name')) fields.BrugerNavn = fieldText(attrs.get('name'), 'BrugerNavn', 'name', what);
    if (creating) {
      relations.push({ name: 'Tilhoerer', refs: [{ uuid: this.#cfg.organisation }] });
      relations.push({ name: 'TilknyttedePersoner', refs: [{ uuid: personUuid }] });
    }
    const want: Desired = { relations };
    if (Object.keys(fields).length > 0) want.fields = fields;
    if (creating || change.enable) want.status = 'Aktiv';
    if (!isEmpty(want)) await this.#fk.ensure('Bruger', userUuid, want, mode, what);
  }

  // --- positions ----------------------------------------------------------------------------------

  async #position(change: Change): Promise<void> {
    const fnUuid = this.ids.position(change.key);
    const mgrUuid = this.ids.manager(change.key);
    const what = `OrganisationFunktion ${fnUuid} (position ${change.key})`;
    const mgrWhat = `OrganisationFunktion ${mgrUuid} (manager, position ${change.key})`;
    if (change.action === 'delete' || change.action === 'disable') {
      // The manager function goes with its position (and is never passivated: it may come back).
      await this.#ifExists(
        'OrganisationFunktion',
        mgrUuid,
        { status: 'Inaktiv', endAllRelations: true },
        mgrWhat,
      );
      return this.#remove('OrganisationFunktion', fnUuid, change, what);
    }
    const attrs = new Map(change.attrs.map((a) => [a.name, a.new]));
    const creating = change.action === 'create' || change.action === 'replace';
    const mode: EnsureMode = creating ? 'create' : 'update';

    const relations: RelationSlot[] = [];
    const ties: RelationSlot[] = [];
    if (attrs.has('person')) {
      const person = text(attrs.get('person'));
      if (person === null) throw new ConnectorError('invalid-value', `${what}: the mapped person is empty`);
      ties.push({ name: 'TilknyttedeBrugere', refs: [{ uuid: this.ids.user(person) }] });
    }
    if (creating || change.action === 'move') {
      if (change.parentKey === null)
        throw new ConnectorError('invalid-config', `${what}: a position needs its unit: map units too`);
      ties.push({ name: 'TilknyttedeEnheder', refs: [{ uuid: this.ids.unit(change.parentKey) }] });
    }
    relations.push(...ties);
    if (creating) {
      relations.push({ name: 'Funktionstype', refs: [{ uuid: FUNKTIONSTYPE.position }] });
      relations.push({ name: 'TilknyttedeOrganisationer', refs: [{ uuid: this.#cfg.organisation }] });
    }
    const want: Desired = { relations };
    if (creating || attrs.has('title')) {
      want.fields = {
        BrugervendtNoegleTekst: change.key.slice(0, 50),
        // No title, no FunktionNavn (it is optional): a reconcile reads back exactly what HR said.
        FunktionNavn: fieldText(attrs.get('title'), 'FunktionNavn', 'title', what),
      };
    }
    if (creating || change.enable) want.status = 'Aktiv';

    // The manager function follows the position's user and unit. A new manager's is written
    // before the position's own function: recover() takes a create as done when the position's
    // function is in FK, so that must be the last write of the change.
    const manager = attrs.has('manager') ? isTrue(attrs.get('manager')) : undefined;
    if (creating && manager === true) await this.#writeManager(change, ties, fnUuid, mgrUuid, mgrWhat, what);
    if (!isEmpty(want)) await this.#fk.ensure('OrganisationFunktion', fnUuid, want, mode, what);
    if (creating) return;
    if (manager === true) {
      await this.#writeManager(change, ties, fnUuid, mgrUuid, mgrWhat, what);
    } else if (manager === false) {
      await this.#ifExists(
        'OrganisationFunktion',
        mgrUuid,
        { status: 'Inaktiv', endAllRelations: true },
        mgrWhat,
      );
    } else if (ties.length > 0) {
      // A manager who moves or changes hands keeps the manager function in step (an inactive
      // one, of a position that stopped managing, keeps its ended relations).
      const mgr = await this.#fk.laes('OrganisationFunktion', mgrUuid, mgrWhat);
      if (mgr && hasStatus(mgr, 'Aktiv'))
        await this.#fk.ensure('OrganisationFunktion', mgrUuid, { relations: ties }, 'update', mgrWhat);
    }
  }

  /** The manager function of a position: its user and unit are the position's. */
  async #writeManager(
    change: Change,
    ties: RelationSlot[],
    fnUuid: string,
    mgrUuid: string,
    mgrWhat: string,
    what: string,
  ): Promise<void> {
    const both = ties.length === 2 ? ties : await this.#ties(fnUuid, what);
    const creating = change.action === 'create' || change.action === 'replace';
    await this.#fk.ensure(
      'OrganisationFunktion',
      mgrUuid,
      {
        fields: {
          BrugervendtNoegleTekst: `${change.key}-leder`.slice(0, 50),
          FunktionNavn: this.#cfg.managerTitle,
        },
        status: 'Aktiv',
        relations: [
          { name: 'Funktionstype', refs: [{ uuid: FUNKTIONSTYPE.manager }] },
          ...both,
          { name: 'TilknyttedeOrganisationer', refs: [{ uuid: this.#cfg.organisation }] },
        ],
      },
      creating ? 'create' : 'upsert',
      mgrWhat,
    );
  }

  /** A position function's current user and unit, for a manager function made on an update. */
  async #ties(fnUuid: string, what: string): Promise<RelationSlot[]> {
    const reg = await this.#fk.laes('OrganisationFunktion', fnUuid, what);
    const open = (name: string) => (reg ? currentRefs(reg, name) : []).map((e) => ({ uuid: e.ref! }));
    return [
      { name: 'TilknyttedeBrugere', refs: open('TilknyttedeBrugere') },
      { name: 'TilknyttedeEnheder', refs: open('TilknyttedeEnheder') },
    ];
  }
}
