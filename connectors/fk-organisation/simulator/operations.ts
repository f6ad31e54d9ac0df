/**
 * The operations, one small handler each, over an already XSD-validated *Input element. A
 * handler returns the StandardRetur status, its message, and the output's content after the
 * StandardRetur; the server wraps it in `<p:XxxOutput>` and the SOAP envelope.
 *
 * Status codes as the service uses them (ORIGIN.md): 20 OK, 40 inconsistent input, 44 not
 * found (also an empty search), 47 invalid validity period, 49 passivated.
 */
import type { XmlElement } from 'libxml2-wasm';
import {
  inEffect,
  instant,
  type Lists,
  readLists,
  readTidspunkt,
  readUnikId,
  writeRegistration,
} from './model.js';
import { checkLists } from './rules.js';
import { NS, type Operation, type ServiceInfo } from './services.js';
import {
  type Item,
  isClosed,
  latest,
  type Registration,
  type RegistrationStore,
  type StoredObject,
} from './store.js';
import { childOf, childrenOf, esc, leaf, textOf } from './xml.js';

export interface OperationContext {
  service: ServiceInfo;
  store: RegistrationStore;
  /** The simulator's clock for this request. */
  now: Date;
  /** The validated request element (`<orgenhed:ImportInput>`...). */
  message: XmlElement;
}

export interface OperationResult {
  status: number;
  message?: string;
  /** The output's elements after StandardRetur (FiltreretOejebliksbillede, IdListe). */
  content?: string;
}

type Handler = (ctx: OperationContext) => OperationResult;

const ok = (content?: string): OperationResult =>
  content === undefined ? { status: 20 } : { status: 20, content };
const fail = (status: number, message: string): OperationResult => ({ status, message });

// --- importer -------------------------------------------------------------------------------------

const importer: Handler = ({ service, store, now, message }) => {
  const object = childOf(message, service.ns, service.name)!;
  const uuid = textOf(object, NS.sd, 'UUIDIdentifikator')!.toLowerCase();
  const registrations = childrenOf(object, service.ns, 'Registrering');
  // The contract allows several registrations (history); the simulator takes the current one only.
  if (registrations.length !== 1) {
    return fail(
      40,
      `The simulator accepts exactly one ${service.prefix}:Registrering per importer, got ${registrations.length}`,
    );
  }
  const existing = store.get(service.name, uuid);
  if (existing) {
    // importer creates; an existing UUID is the client's mistake (it should laes and ret).
    return fail(
      40,
      `${service.name} ${uuid} already exists (LivscyklusKode ${latest(existing).livscyklus}): use ret`,
    );
  }
  const reg = registrations[0]!;
  const lists = readLists(reg, service);
  const refusal = checkLists(service, lists, true);
  if (refusal) return fail(refusal.status, refusal.message);
  const brugerRefEl = childOf(reg, NS.sd, 'BrugerRef');
  const brugerRef = brugerRefEl ? readUnikId(brugerRefEl) : undefined;
  const note = textOf(reg, NS.sd, 'NoteTekst');
  store.create(service.name, uuid, {
    tidspunkt: now.toISOString(),
    livscyklus: 'Importeret',
    ...(brugerRef ? { brugerRef } : {}),
    ...(note === undefined ? {} : { note }),
    attributes: lists.attributes ?? [],
    states: lists.states ?? [],
    relations: lists.relations ?? [],
  });
  return ok();
};

// --- ret and passiver -------------------------------------------------------------------------------

/** The object a ret/passiver/laes names, or the 44/49 the service answers instead. */
function target(ctx: OperationContext, writable: boolean): StoredObject | OperationResult {
  const uuid = textOf(ctx.message, NS.sd, 'UUIDIdentifikator')!;
  const obj = ctx.store.get(ctx.service.name, uuid);
  if (!obj) return fail(44, `${ctx.service.name} ${uuid.toLowerCase()} not found`);
  if (writable && isClosed(obj)) {
    return fail(
      49,
      `${ctx.service.name} ${obj.uuid} is ${latest(obj).livscyklus.toLowerCase()}: it cannot be changed`,
    );
  }
  return obj;
}

const failed = <T extends object>(x: T | OperationResult): x is OperationResult => 'status' in x;

/** Registrations get strictly increasing times, so registration filters can tell them apart. */
function nextTime(obj: StoredObject, now: Date): string {
  const previous = Date.parse(latest(obj).tidspunkt);
  return new Date(Math.max(now.getTime(), previous + 1)).toISOString();
}

/**
 * ret: a new registration. The lists given replace the current ones whole; a list not given is
 * kept (RetInput's lists are optional). The client sends the complete wanted state of each list
 * it sends (ORIGIN.md: ret is not a patch); the real service merges by Virkning periods, which
 * the simulator does not model.
 */
const ret: Handler = (ctx) => {
  const obj = target(ctx, true);
  if (failed(obj)) return obj;
  const lists: Lists = readLists(ctx.message, ctx.service);
  const refusal = checkLists(ctx.service, lists, false);
  if (refusal) return fail(refusal.status, refusal.message);
  const previous = latest(obj);
  const note = textOf(ctx.message, NS.sd, 'NoteTekst');
  const { note: _previousNote, ...kept } = previous;
  ctx.store.append(ctx.service.name, obj.uuid, {
    ...kept,
    tidspunkt: nextTime(obj, ctx.now),
    ...(note === undefined ? {} : { note }),
    attributes: lists.attributes ?? previous.attributes,
    states: lists.states ?? previous.states,
    relations: lists.relations ?? previous.relations,
  });
  return ok();
};

/** passiver: a last registration, LivscyklusKode Passiveret; the object is read-only afterwards. */
const passiver: Handler = (ctx) => {
  const obj = target(ctx, true);
  if (failed(obj)) return obj;
  const { note: _previousNote, ...kept } = latest(obj);
  const note = textOf(ctx.message, NS.sd, 'NoteTekst');
  ctx.store.append(ctx.service.name, obj.uuid, {
    ...kept,
    tidspunkt: nextTime(obj, ctx.now),
    livscyklus: 'Passiveret',
    ...(note === undefined ? {} : { note }),
  });
  return ok();
};

// --- laes and list ----------------------------------------------------------------------------------

interface Filters {
  virkning?: [number, number];
  registrering?: [number, number];
}

function readFilters(message: XmlElement): Filters | OperationResult {
  const bound = (name: string, which: 'from' | 'to') => {
    const el = childOf(message, NS.sd, name);
    return el ? instant(readTidspunkt(el), which) : undefined;
  };
  const vFrom = bound('VirkningFraFilter', 'from');
  const vTo = bound('VirkningTilFilter', 'to');
  const rFrom = bound('RegistreringFraFilter', 'from');
  const rTo = bound('RegistreringTilFilter', 'to');
  if ([vFrom, vTo, rFrom, rTo].some((t) => t !== undefined && Number.isNaN(t))) {
    return fail(40, 'A filter has an unreadable timestamp');
  }
  const filters: Filters = {};
  if (vFrom !== undefined || vTo !== undefined) filters.virkning = [vFrom ?? -Infinity, vTo ?? Infinity];
  if (rFrom !== undefined || rTo !== undefined) filters.registrering = [rFrom ?? -Infinity, rTo ?? Infinity];
  for (const [name, range] of Object.entries(filters) as [string, [number, number]][]) {
    if (range[0] > range[1]) return fail(47, `The ${name} filter's start is after its end`);
  }
  return filters;
}

/**
 * FiltreretOejebliksbillede: without a registration filter the latest registration; with one,
 * every registration in force at some moment of it. A Virkning filter keeps the values in
 * effect at some moment of it.
 */
function snapshot(service: ServiceInfo, obj: StoredObject, filters: Filters): string {
  const regs = filters.registrering
    ? obj.registrations.filter((r, i) => {
        const start = Date.parse(r.tidspunkt);
        const next = obj.registrations[i + 1];
        const end = next ? Date.parse(next.tidspunkt) : Infinity;
        const [from, to] = filters.registrering!;
        return start <= to && end > from;
      })
    : [latest(obj)];
  const window = filters.virkning;
  const filtered = (r: Registration): Registration =>
    window
      ? {
          ...r,
          attributes: r.attributes.filter((i) => inEffect(i, ...window)),
          states: r.states.filter((i) => inEffect(i, ...window)),
          relations: r.relations.filter((i) => inEffect(i, ...window)),
        }
      : r;
  const p = service.prefix;
  return (
    `<${p}:FiltreretOejebliksbillede><${p}:ObjektType>${leaf('sd:UUIDIdentifikator', obj.uuid)}</${p}:ObjektType>` +
    regs.map((r) => writeRegistration(service, filtered(r))).join('') +
    `</${p}:FiltreretOejebliksbillede>`
  );
}

const laes: Handler = (ctx) => {
  const obj = target(ctx, false);
  if (failed(obj)) return obj;
  const filters = readFilters(ctx.message);
  if (failed(filters)) return filters;
  return ok(snapshot(ctx.service, obj, filters));
};

/** list: the objects found among those asked for (each once); 44 when none is found. */
const list: Handler = (ctx) => {
  const filters = readFilters(ctx.message);
  if (failed(filters)) return filters;
  const asked = [
    ...new Set(childrenOf(ctx.message, NS.sd, 'UUIDIdentifikator').map((e) => e.content.toLowerCase())),
  ];
  const found = asked.flatMap((u) => ctx.store.get(ctx.service.name, u) ?? []);
  if (found.length === 0)
    return fail(44, `None of the ${asked.length} ${ctx.service.name} objects asked for exist`);
  return ok(found.map((o) => snapshot(ctx.service, o, filters)).join(''));
};

// --- soeg -----------------------------------------------------------------------------------------

/**
 * soeg: the UUIDs of the objects whose latest registration matches every criterion given, among
 * the values in effect in the SoegVirkning period (default: now). Criteria: an Egenskab's fields
 * (exact, e.g. BrugervendtNoegleTekst), a Gyldighed's status, a relation's ReferenceID (Tilhoerer:
 * the municipality's objects), Rolle and Type. Passivated objects are not found. Paging:
 * FoersteResultatReference (0-based offset) and MaksimalAntalKvantitet; an empty page is 44.
 */
const soeg: Handler = (ctx) => {
  const { message, service, now } = ctx;
  const first = Number(textOf(message, NS.sd, 'FoersteResultatReference')?.trim() ?? 0);
  const maxText = textOf(message, NS.sd, 'MaksimalAntalKvantitet');
  const max = maxText === undefined ? Infinity : Number(maxText.trim());
  if (first < 0) return fail(40, 'sd:FoersteResultatReference must not be negative');
  if (max < 1) return fail(40, 'sd:MaksimalAntalKvantitet must be at least 1');
  // Without SoegVirkning: the values in effect now; with it, a missing bound is open.
  const soegVirkning = childOf(message, NS.sd, 'SoegVirkning');
  const bound = (name: string, which: 'from' | 'to') => {
    if (!soegVirkning) return now.getTime();
    const el = childOf(soegVirkning, NS.sd, name);
    return instant(el ? readTidspunkt(el) : undefined, which);
  };
  const from = bound('FraTidspunkt', 'from');
  const to = bound('TilTidspunkt', 'to');
  if (Number.isNaN(from) || Number.isNaN(to)) return fail(40, 'sd:SoegVirkning has an unreadable timestamp');
  const criteria = readLists(message, service);
  const hits = ctx.store
    .all(service.name)
    .filter((o) => !isClosed(o) && matches(latest(o), criteria, from, to))
    .map((o) => o.uuid);
  const page = hits.slice(first, first + max);
  if (page.length === 0) {
    return fail(
      44,
      hits.length === 0 ? 'No objects match the search' : `No results from ${first} (${hits.length} in all)`,
    );
  }
  return ok(`<sd:IdListe>${page.map((u) => leaf('sd:UUIDIdentifikator', u)).join('')}</sd:IdListe>`);
};

function matches(reg: Registration, criteria: Lists, from: number, to: number): boolean {
  const one = (wanted: readonly Item[] | undefined, have: readonly Item[]) =>
    (wanted ?? []).every((w) => have.some((h) => inEffect(h, from, to) && itemMatches(w, h)));
  return (
    one(criteria.attributes, reg.attributes) &&
    one(criteria.states, reg.states) &&
    one(criteria.relations, reg.relations)
  );
}

function itemMatches(wanted: Item, have: Item): boolean {
  if (wanted.name !== have.name || wanted.ns !== have.ns) return false;
  const same = (a: object | undefined, b: object | undefined) =>
    a === undefined || JSON.stringify(stripLabel(a)) === JSON.stringify(stripLabel(b));
  return (
    wanted.fields.every((f) =>
      have.fields.some((g) => g.ns === f.ns && g.name === f.name && g.value === f.value),
    ) &&
    same(wanted.reference, have.reference) &&
    same(wanted.rolle, have.rolle) &&
    same(wanted.type, have.type) &&
    (wanted.indeks === undefined || wanted.indeks === have.indeks)
  );
}

const stripLabel = (id: object | undefined) => {
  if (!id) return id;
  const { label: _label, ...rest } = id as { label?: string };
  return rest;
};

// ---------------------------------------------------------------------------------------------------

export const HANDLERS: Partial<Record<Operation, Handler>> = { importer, laes, ret, passiver, list, soeg };

/** `<p:XxxOutput>` with its StandardRetur and content. */
export function outputXml(
  service: ServiceInfo,
  output: string,
  result: OperationResult,
  declarations: string,
): string {
  const p = service.prefix;
  return (
    `<${p}:${output} ${declarations}><sd:StandardRetur>${leaf('sd:StatusKode', String(result.status))}` +
    (result.message === undefined ? '' : `<sd:FejlbeskedTekst>${esc(result.message)}</sd:FejlbeskedTekst>`) +
    `</sd:StandardRetur>${result.content ?? ''}</${p}:${output}>`
  );
}
