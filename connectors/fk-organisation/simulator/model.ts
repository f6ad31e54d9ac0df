/**
 * Between XML and the store's records: reading a Registrering (or a RetInput's lists) into
 * Items, and writing a registration back as `<p:Registrering>` of the service's namespace.
 * Generic over the six services: what is not Virkning/ReferenceID/Rolle/Type/Indeks in an
 * item is a leaf value (Field), kept with its namespace and written back in the same order.
 */
import type { XmlElement } from 'libxml2-wasm';
import { NS, type ServiceInfo } from './services.js';
import type { Field, Item, LabelledId, Registration, Tidspunkt, UnikId, Virkning } from './store.js';
import { childOf, elements, esc, is, leaf, textOf } from './xml.js';

// --- reading ------------------------------------------------------------------------------------

export function readTidspunkt(el: XmlElement): Tidspunkt | undefined {
  const time = textOf(el, NS.sd, 'TidsstempelDatoTid');
  if (time !== undefined) return { time: time.trim() };
  return childOf(el, NS.sd, 'GraenseIndikator') ? { open: true } : undefined;
}

/** UUIDs are kept lower-case: the service compares them without regard to case. */
export function readUnikId(el: XmlElement): UnikId | undefined {
  const uuid = textOf(el, NS.sd, 'UUIDIdentifikator');
  if (uuid !== undefined) return { uuid: uuid.toLowerCase() };
  const urn = textOf(el, NS.sd, 'URNIdentifikator');
  return urn === undefined ? undefined : { urn };
}

function readLabelled(el: XmlElement): LabelledId | undefined {
  const id = readUnikId(el);
  if (!id) return undefined;
  const label = textOf(el, NS.sd, 'Label');
  return label === undefined ? id : { ...id, label };
}

export function readVirkning(el: XmlElement): Virkning {
  const part = (name: string) => childOf(el, NS.sd, name);
  const from = part('FraTidspunkt');
  const to = part('TilTidspunkt');
  const actor = part('AktoerRef');
  return {
    ...(from ? { from: readTidspunkt(from) } : {}),
    ...(to ? { to: readTidspunkt(to) } : {}),
    ...(actor ? { actor: readUnikId(actor) } : {}),
    ...optional('actorType', textOf(el, NS.sd, 'AktoerTypeKode')),
    ...optional('note', textOf(el, NS.sd, 'NoteTekst')),
  };
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

/** One Egenskab, Gyldighed or relation element. */
export function readItem(el: XmlElement): Item {
  let virkning: Virkning | undefined;
  let reference: UnikId | undefined;
  let rolle: LabelledId | undefined;
  let type: LabelledId | undefined;
  let indeks: string | undefined;
  const fields: Field[] = [];
  for (const child of elements(el)) {
    if (is(child, NS.sd, 'Virkning')) virkning = readVirkning(child);
    else if (is(child, NS.sd, 'ReferenceID')) reference = readUnikId(child);
    else if (is(child, NS.sd, 'Rolle')) rolle = readLabelled(child);
    else if (is(child, NS.sd, 'Type')) type = readLabelled(child);
    else if (is(child, NS.sd, 'Indeks')) indeks = child.content;
    else fields.push({ ns: child.namespaceUri, name: child.name, value: child.content });
  }
  return {
    ns: el.namespaceUri,
    name: el.name,
    fields,
    ...(virkning ? { virkning } : {}),
    ...(reference ? { reference } : {}),
    ...(rolle ? { rolle } : {}),
    ...(type ? { type } : {}),
    ...(indeks !== undefined ? { indeks } : {}),
  };
}

export interface Lists {
  attributes?: Item[];
  states?: Item[];
  relations?: Item[];
}

/**
 * The AttributListe, TilstandListe and RelationListe children of `parent` (a Registrering, a
 * RetInput, a SoegInput); a list that is absent stays undefined. sd:LokalUdvidelse is not kept.
 */
export function readLists(parent: XmlElement, service: ServiceInfo): Lists {
  const list = (name: string) => {
    const el = childOf(parent, service.ns, name);
    return el
      ? elements(el)
          .filter((c) => !is(c, NS.sd, 'LokalUdvidelse'))
          .map(readItem)
      : undefined;
  };
  const out: Lists = {};
  const attributes = list('AttributListe');
  const states = list('TilstandListe');
  const relations = list('RelationListe');
  if (attributes) out.attributes = attributes;
  if (states) out.states = states;
  if (relations) out.relations = relations;
  return out;
}

// --- writing ------------------------------------------------------------------------------------

/** The prefixes every reply root declares (see `namespaceDeclarations`). */
const PREFIXES: Record<string, string> = { [NS.sd]: 'sd', [NS.orgfaelles]: 'orgfaelles', [NS.sts]: 'sts' };

export function namespaceDeclarations(service: ServiceInfo): string {
  return (
    `xmlns:${service.prefix}="${service.ns}" xmlns:sd="${NS.sd}" ` +
    `xmlns:orgfaelles="${NS.orgfaelles}" xmlns:sts="${NS.sts}"`
  );
}

/** An element of any namespace: a declared prefix, or a local declaration for one the reply root lacks. */
function element(service: ServiceInfo, ns: string, name: string, inner: string): string {
  const prefix = ns === service.ns ? service.prefix : PREFIXES[ns];
  if (prefix) return `<${prefix}:${name}>${inner}</${prefix}:${name}>`;
  return `<x:${name} xmlns:x="${esc(ns)}">${inner}</x:${name}>`;
}

const tidspunkt = (name: string, t: Tidspunkt): string =>
  `<sd:${name}>${'open' in t ? '<sd:GraenseIndikator>true</sd:GraenseIndikator>' : leaf('sd:TidsstempelDatoTid', t.time)}</sd:${name}>`;

const unikId = (id: UnikId): string =>
  'uuid' in id ? leaf('sd:UUIDIdentifikator', id.uuid) : leaf('sd:URNIdentifikator', id.urn);

const labelled = (name: string, id: LabelledId): string =>
  `<sd:${name}>${unikId(id)}${id.label === undefined ? '' : leaf('sd:Label', id.label)}</sd:${name}>`;

export function writeVirkning(v: Virkning): string {
  return (
    '<sd:Virkning>' +
    (v.from ? tidspunkt('FraTidspunkt', v.from) : '') +
    (v.to ? tidspunkt('TilTidspunkt', v.to) : '') +
    (v.actor ? `<sd:AktoerRef>${unikId(v.actor)}</sd:AktoerRef>` : '') +
    (v.actorType === undefined ? '' : leaf('sd:AktoerTypeKode', v.actorType)) +
    (v.note === undefined ? '' : leaf('sd:NoteTekst', v.note)) +
    '</sd:Virkning>'
  );
}

export function writeItem(service: ServiceInfo, item: Item): string {
  const inner =
    (item.virkning ? writeVirkning(item.virkning) : '') +
    item.fields.map((f) => element(service, f.ns, f.name, esc(f.value))).join('') +
    (item.reference ? `<sd:ReferenceID>${unikId(item.reference)}</sd:ReferenceID>` : '') +
    (item.rolle ? labelled('Rolle', item.rolle) : '') +
    (item.type ? labelled('Type', item.type) : '') +
    (item.indeks === undefined ? '' : leaf('sd:Indeks', item.indeks));
  return element(service, item.ns, item.name, inner);
}

/** `<p:Registrering>` (or another element name of the same type) in the service's namespace. */
export function writeRegistration(service: ServiceInfo, reg: Registration, name = 'Registrering'): string {
  const p = service.prefix;
  const list = (listName: string, items: readonly Item[]) =>
    `<${p}:${listName}>${items.map((i) => writeItem(service, i)).join('')}</${p}:${listName}>`;
  return (
    `<${p}:${name}>` +
    (reg.note === undefined ? '' : leaf('sd:NoteTekst', reg.note)) +
    leaf('sd:Tidspunkt', reg.tidspunkt) +
    leaf('sd:LivscyklusKode', reg.livscyklus) +
    (reg.brugerRef ? `<sd:BrugerRef>${unikId(reg.brugerRef)}</sd:BrugerRef>` : '') +
    list('AttributListe', reg.attributes) +
    list('TilstandListe', reg.states) +
    list('RelationListe', reg.relations) +
    `</${p}:${name}>`
  );
}

// --- time -----------------------------------------------------------------------------------------

/** Milliseconds of a bound: the open FraTidspunkt is -Infinity, the open TilTidspunkt +Infinity. */
export function instant(t: Tidspunkt | undefined, bound: 'from' | 'to'): number {
  if (!t || 'open' in t) return bound === 'from' ? -Infinity : Infinity;
  return Date.parse(t.time);
}

/** Is the item in effect at some moment of [from, to] (a single moment when from = to)? */
export function inEffect(item: Item, from: number, to: number): boolean {
  const start = instant(item.virkning?.from, 'from');
  const end = instant(item.virkning?.to, 'to');
  return from === to ? start <= from && from < end : start < to && end > from;
}
