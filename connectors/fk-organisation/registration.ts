/**
 * An FK object's registration as the connector works with it: every Egenskab, Gyldighed and
 * relation an entry with its own Virkning. Three things happen to it here:
 * - read from a `laes` reply (the raw XML: soap's parse turns one-element lists into objects
 *   and drops namespaces, and a read-modify-write must give back exactly what it read);
 * - merged with what orgsync wants (`merge`): a value that changes or goes away has its
 *   Virkning ended now and the new one starts now, values orgsync does not own are sent back
 *   untouched, and when nothing differs there is nothing to send;
 * - written as the body soap sends for `importer` or `ret`, keys in the XSDs' order (the
 *   order is read from the contract's XSDs themselves, so other systems' relations keep
 *   their place too).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlElement } from 'libxml2-wasm';
import type { EntityService } from './wsdl.js';

const SD = 'urn:oio:sagdok:3.0.0';

export interface Virkning {
  /** ISO time, or null for the open bound. */
  from: string | null;
  to: string | null;
  actor?: string;
  actorType?: string;
  note?: string;
}

/** One Egenskab, Gyldighed or relation. */
export interface Entry {
  /** Element name: Egenskab, Gyldighed, Overordnet, Adresser... */
  name: string;
  virkning: Virkning;
  /** Leaf values (Egenskab fields, GyldighedStatusKode) in document order. */
  fields: [string, string][];
  ref?: string;
  rolle?: string;
  type?: string;
  indeks?: string;
}

export interface Registration {
  attributes: Entry[];
  states: Entry[];
  relations: Entry[];
}

export const emptyRegistration = (): Registration => ({ attributes: [], states: [], relations: [] });

// --- the XSDs' orders ------------------------------------------------------------------------------

const XSD_DIR = fileURLToPath(new URL('./contracts/v6/xsd/6.0.STS-0/', import.meta.url));

/** The text of a named complexType in an XSD, or '' when there is none. */
function complexType(xsd: string, typeName: string): string {
  const start = xsd.indexOf(`<complexType name="${typeName}"`);
  return start < 0 ? '' : xsd.slice(start, xsd.indexOf('</complexType>', start));
}

/** The element names a complexType's sequence refers to, in order (Virkning and extensions left out). */
function sequenceOf(xsd: string, typeName: string): string[] {
  return [...complexType(xsd, typeName).matchAll(/ref="\w+:([\w-]+)"/g)]
    .map((m) => m[1]!)
    .filter((n) => n !== 'Virkning' && n !== 'LokalUdvidelse');
}

/** The relations a complexType's sequence allows once at most (no maxOccurs, or maxOccurs="1"). */
function singlesOf(xsd: string, typeName: string): Set<string> {
  return new Set(
    [...complexType(xsd, typeName).matchAll(/<element\b[^>]*?ref="\w+:([\w-]+)"[^>]*>/g)]
      .filter((m) => !/maxOccurs="(unbounded|[2-9]\d*|1\d+)"/.test(m[0]))
      .map((m) => m[1]!),
  );
}

interface Orders {
  fields: string[];
  relations: string[];
  /** Relations that one registration holds once at most (Overordnet, Tilhoerer, Enhedstype). */
  singleRelations: Set<string>;
}
const orders = new Map<EntityService, Orders>();
function ordersOf(service: EntityService): Orders {
  let o = orders.get(service);
  if (!o) {
    const xsd = readFileSync(`${XSD_DIR}${service}.xsd`, 'utf8');
    o = {
      fields: sequenceOf(xsd, 'EgenskabType'),
      relations: sequenceOf(xsd, 'RelationListeType'),
      singleRelations: singlesOf(xsd, 'RelationListeType'),
    };
    orders.set(service, o);
  }
  return o;
}

// --- reading a laes reply --------------------------------------------------------------------------

const elements = (parent: XmlElement): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let n = parent.firstChild; n; n = n.next) if (n instanceof XmlElement) out.push(n);
  return out;
};
const child = (el: XmlElement, name: string) => elements(el).find((c) => c.name === name);
const sdText = (el: XmlElement | undefined, name: string) => {
  const c = el && elements(el).find((x) => x.name === name && x.namespaceUri === SD);
  return c?.content.trim();
};

function readBound(el: XmlElement | undefined): string | null {
  if (!el) return null;
  return sdText(el, 'TidsstempelDatoTid') ?? null;
}

function readEntry(el: XmlElement): Entry {
  const entry: Entry = { name: el.name, virkning: { from: null, to: null }, fields: [] };
  for (const c of elements(el)) {
    if (c.namespaceUri === SD && c.name === 'Virkning') {
      const v: Virkning = {
        from: readBound(child(c, 'FraTidspunkt')),
        to: readBound(child(c, 'TilTidspunkt')),
      };
      const actor = sdText(child(c, 'AktoerRef'), 'UUIDIdentifikator');
      if (actor) v.actor = actor;
      const actorType = sdText(c, 'AktoerTypeKode');
      if (actorType) v.actorType = actorType;
      const note = sdText(c, 'NoteTekst');
      if (note !== undefined) v.note = note;
      entry.virkning = v;
    } else if (c.namespaceUri === SD && c.name === 'ReferenceID') {
      entry.ref = sdText(c, 'UUIDIdentifikator')?.toLowerCase();
    } else if (c.namespaceUri === SD && (c.name === 'Rolle' || c.name === 'Type')) {
      const id = sdText(c, 'UUIDIdentifikator')?.toLowerCase();
      if (id) entry[c.name === 'Rolle' ? 'rolle' : 'type'] = id;
    } else if (c.namespaceUri === SD && c.name === 'Indeks') {
      entry.indeks = c.content.trim();
    } else {
      entry.fields.push([c.name, c.content]);
    }
  }
  return entry;
}

function readLists(reg: XmlElement): Registration {
  const list = (name: string) => {
    const el = child(reg, name);
    return el
      ? elements(el)
          .filter((c) => c.name !== 'LokalUdvidelse')
          .map(readEntry)
      : [];
  };
  return {
    attributes: list('AttributListe'),
    states: list('TilstandListe'),
    relations: list('RelationListe'),
  };
}

/**
 * Each object's newest registration in a `laes` or `list` reply (raw SOAP XML), by UUID.
 * Entries of lists other systems extend (sd:LokalUdvidelse) are not kept: FK keeps them.
 */
export function readRegistrations(replyXml: string): Map<string, Registration> {
  const doc = XmlDocument.fromString(replyXml);
  const out = new Map<string, Registration>();
  try {
    for (const node of doc.find("//*[local-name()='FiltreretOejebliksbillede']")) {
      const snapshot = node as XmlElement;
      const uuid = sdText(child(snapshot, 'ObjektType'), 'UUIDIdentifikator')?.toLowerCase();
      const reg = elements(snapshot)
        .filter((c) => c.name === 'Registrering')
        .at(-1);
      if (uuid && reg) out.set(uuid, readLists(reg));
    }
    return out;
  } finally {
    doc.dispose();
  }
}

/** The newest registration in a `laes` reply, or null when it holds none. */
export function readRegistration(replyXml: string): Registration | null {
  const all = readRegistrations(replyXml);
  return all.size === 0 ? null : [...all.values()][0]!;
}

/** The UUIDs in a `soeg` reply's IdListe. */
export function readIdList(replyXml: string): string[] {
  const doc = XmlDocument.fromString(replyXml);
  try {
    return doc
      .find("//*[local-name()='IdListe']/*[local-name()='UUIDIdentifikator']")
      .map((n) => (n as XmlElement).content.trim().toLowerCase());
  } finally {
    doc.dispose();
  }
}

/** The values in effect now: Virkning started and not ended. */
export function currentEntries(entries: readonly Entry[], now = Date.now()): Entry[] {
  return entries.filter((e) => isCurrent(e, now));
}

/** The relations named `name` in effect now that point at an object. */
export const currentRefs = (reg: Registration, name: string): Entry[] =>
  currentEntries(reg.relations).filter((e) => e.name === name && e.ref);

/** Whether a Gyldighed in effect now has this GyldighedStatusKode. */
export const hasStatus = (reg: Registration, status: 'Aktiv' | 'Inaktiv'): boolean =>
  currentEntries(reg.states).some((e) =>
    e.fields.some(([n, v]) => n === 'GyldighedStatusKode' && v === status),
  );

// --- what orgsync wants -----------------------------------------------------------------------------

export interface RelationRef {
  uuid: string;
  rolle?: string;
  type?: string;
}

/** A relation orgsync owns: a name, optionally narrowed to one Rolle (a user's e-mail address). */
export interface RelationSlot {
  name: string;
  rolle?: string;
  refs: RelationRef[];
}

/**
 * What orgsync wants of one FK object. Only what is named is owned: Egenskab fields not
 * named, and relations of other names or roles, are kept as they are.
 */
export interface Desired {
  /** Egenskab fields; null removes the field. */
  fields?: Record<string, string | null>;
  /** GyldighedStatusKode, for the services that have it. */
  status?: 'Aktiv' | 'Inaktiv';
  relations?: RelationSlot[];
  /** End every open relation (a removed function): nothing of it stays in effect. */
  endAllRelations?: boolean;
}

export interface Actor {
  /** The municipality's Organisation UUID: the actor on every Virkning orgsync writes. */
  organisation: string;
}

const isCurrent = (e: Entry, now: number): boolean =>
  (e.virkning.from === null || Date.parse(e.virkning.from) <= now) &&
  (e.virkning.to === null || Date.parse(e.virkning.to) > now);

const ended = (e: Entry, at: string): Entry => ({ ...e, virkning: { ...e.virkning, to: at } });

const fresh = (actor: Actor, at: string, e: Omit<Entry, 'virkning'>): Entry => ({
  ...e,
  virkning: { from: at, to: null, actor: actor.organisation, actorType: 'Organisation' },
});

const sameFields = (a: [string, string][], b: [string, string][]) =>
  a.length === b.length && a.every(([n, v], i) => b[i]![0] === n && b[i]![1] === v);

/**
 * `current` changed to what `want` says, at `now` (ISO). Returns null when nothing differs,
 * so an unchanged object costs no write.
 */
export function merge(
  service: EntityService,
  current: Registration,
  want: Desired,
  actor: Actor,
  now: string,
): Registration | null {
  const t = Date.parse(now);
  let changed = false;
  const attributes = [...current.attributes];
  if (want.fields) {
    const open = attributes.filter((e) => e.name === 'Egenskab' && isCurrent(e, t));
    const values = new Map(open.at(-1)?.fields ?? []);
    for (const [name, value] of Object.entries(want.fields)) {
      if (value === null) values.delete(name);
      else values.set(name, value);
    }
    const order = ordersOf(service).fields;
    const fields = [...values].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    if (open.length !== 1 || !sameFields(open[0]!.fields, fields)) {
      changed = true;
      for (const e of open) attributes[attributes.indexOf(e)] = ended(e, now);
      attributes.push(fresh(actor, now, { name: 'Egenskab', fields }));
    }
  }
  const states = [...current.states];
  if (want.status) {
    const open = states.filter((e) => e.name === 'Gyldighed' && isCurrent(e, t));
    const same =
      open.length === 1 && open[0]!.fields.some(([n, v]) => n === 'GyldighedStatusKode' && v === want.status);
    if (!same) {
      changed = true;
      for (const e of open) states[states.indexOf(e)] = ended(e, now);
      states.push(fresh(actor, now, { name: 'Gyldighed', fields: [['GyldighedStatusKode', want.status]] }));
    }
  }
  const relations = [...current.relations];
  const endWhere = (test: (e: Entry) => boolean) => {
    for (let i = 0; i < relations.length; i++) {
      const e = relations[i]!;
      if (isCurrent(e, t) && test(e)) {
        relations[i] = ended(e, now);
        changed = true;
      }
    }
  };
  if (want.endAllRelations) endWhere(() => true);
  for (const slot of want.relations ?? []) {
    const inSlot = (e: Entry) => e.name === slot.name && (slot.rolle === undefined || e.rolle === slot.rolle);
    const wanted = (e: Entry) => slot.refs.some((r) => r.uuid === e.ref && (r.type ?? e.type) === e.type);
    endWhere((e) => inSlot(e) && !wanted(e));
    for (const ref of slot.refs) {
      if (relations.some((e) => inSlot(e) && isCurrent(e, t) && e.ref === ref.uuid)) continue;
      changed = true;
      const indeks =
        slot.name === 'Adresser'
          ? String(
              1 +
                Math.max(
                  0,
                  ...relations.filter((e) => e.name === 'Adresser').map((e) => Number(e.indeks) || 0),
                ),
            )
          : undefined;
      relations.push(
        fresh(actor, now, {
          name: slot.name,
          fields: [],
          ref: ref.uuid,
          ...(ref.rolle ? { rolle: ref.rolle } : {}),
          ...(ref.type ? { type: ref.type } : {}),
          ...(indeks ? { indeks } : {}),
        }),
      );
    }
  }
  return changed ? { attributes, states, relations: oncePerSingle(service, relations, t) } : null;
}

/**
 * A relation the contract allows once (a unit's Overordnet) is sent once: the value in
 * effect, or else the one that ended last. The value it replaced stays in the service's
 * earlier registrations; a second element would be refused as a schema error (40).
 */
function oncePerSingle(service: EntityService, relations: Entry[], t: number): Entry[] {
  const singles = ordersOf(service).singleRelations;
  const keep = new Map<string, Entry>();
  for (const e of relations) {
    if (!singles.has(e.name)) continue;
    const held = keep.get(e.name);
    if (
      !held ||
      isCurrent(e, t) ||
      (!isCurrent(held, t) && (e.virkning.to ?? '') >= (held.virkning.to ?? ''))
    )
      keep.set(e.name, e);
  }
  return relations.filter((e) => !singles.has(e.name) || keep.get(e.name) === e);
}

// --- writing, as soap serialises it ------------------------------------------------------------------

const bound = (at: string | null) => (at === null ? { GraenseIndikator: true } : { TidsstempelDatoTid: at });

function virkningBody(v: Virkning) {
  return {
    FraTidspunkt: bound(v.from),
    TilTidspunkt: bound(v.to),
    ...(v.actor ? { AktoerRef: { UUIDIdentifikator: v.actor } } : {}),
    ...(v.actorType ? { AktoerTypeKode: v.actorType } : {}),
    ...(v.note !== undefined ? { NoteTekst: v.note } : {}),
  };
}

function entryBody(e: Entry) {
  return {
    Virkning: virkningBody(e.virkning),
    ...Object.fromEntries(e.fields),
    ...(e.ref ? { ReferenceID: { UUIDIdentifikator: e.ref } } : {}),
    ...(e.rolle ? { Rolle: { UUIDIdentifikator: e.rolle } } : {}),
    ...(e.type ? { Type: { UUIDIdentifikator: e.type } } : {}),
    ...(e.indeks !== undefined ? { Indeks: e.indeks } : {}),
  };
}

/** A list's entries grouped by element name, the names in `order` (others after, as read). */
function grouped(entries: readonly Entry[], order: readonly string[]) {
  const names = [...new Set(entries.map((e) => e.name))].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib);
  });
  return Object.fromEntries(names.map((n) => [n, entries.filter((e) => e.name === n).map(entryBody)]));
}

function lists(service: EntityService, reg: Registration) {
  return {
    AttributListe: grouped(reg.attributes, ['Egenskab']),
    TilstandListe: grouped(reg.states, ['Gyldighed']),
    RelationListe: grouped(reg.relations, ordersOf(service).relations),
  };
}

/** The `importer` body: the object with the UUID orgsync chose and its whole registration. */
export function importBody(service: EntityService, uuid: string, reg: Registration, now: string) {
  return {
    [service]: {
      UUIDIdentifikator: uuid,
      Registrering: { Tidspunkt: now, LivscyklusKode: 'Importeret', ...lists(service, reg) },
    },
  };
}

/** The `ret` body: the whole registration again, as read and merged. */
export function retBody(service: EntityService, uuid: string, reg: Registration) {
  return { 'sd:UUIDIdentifikator': uuid, ...lists(service, reg) };
}
