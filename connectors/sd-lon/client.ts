/**
 * The low-level client of the SD Løn web service (PROTOCOL.md): one method per operation the
 * sd-lon source uses, each answering the record types of model.ts.
 *
 * - Requests: `GET <baseUrl><Operation>?<parameters>` with Basic auth; dates dd.mm.yyyy,
 *   window times hh:mm in Copenhagen time, booleans true/false.
 * - Answers are parsed while they arrive (xml.ts) and mapped record by record, so a
 *   50,000-employment answer never sits in memory as text or as a tree.
 * - Retries: no answer, a timeout, an HTTP 5xx without a fault, or an answer cut short are
 *   tried again up to `retries` times (200 ms, 400 ms, … jittered). A fault, a refused login
 *   and the closed answer are final: closed throws ORGSYNC_SD_CLOSED at once, so the caller
 *   can decide to wait for the opening hours.
 * - At most `concurrency` requests at a time: the source asks GetDepartmentParent for
 *   hundreds of departments at once.
 *
 * Nothing here logs, and no message carries the URL: GetPerson's query may hold a CPR number.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { TextDecoder } from 'node:util';
import fetch, { type Response } from 'node-fetch';
import PQueue from 'p-queue';
import { sleep } from '../../src/apply/retry.js';
import type { Secret } from '../../src/sdk/secret.js';
import { isRetryableStatus, networkReason } from '../../src/util/http.js';
import {
  authError,
  faultError,
  malformedError,
  type SdCallRef,
  SdError,
  unreachableError,
} from './errors.js';
import type {
  Period,
  SdContact,
  SdDepartment,
  SdDepartmentRef,
  SdEmployment,
  SdPerson,
  SdProfession,
} from './model.js';
import { AnswerReader, child, childText, decoderFor, type RecordSink, value, type XmlNode } from './xml.js';

export interface SdClientOptions {
  /** The service's base, `https://service.sd.dk/sdws/`; the operation name is appended. */
  baseUrl: string;
  username: string;
  password: Secret | string;
  /** The longest wait for an answer to start, and then for each next piece of it. */
  timeoutMs: number;
  /** How many times a failed request (no answer, timeout, 5xx, cut short) is sent again. */
  retries: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Stops waiting requests and backoffs; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What the client did, for the run's metrics and the benchmark. */
export interface SdClientStats {
  /** HTTP requests sent, retries included. */
  calls: number;
  /** Of those, how many were retries. */
  retries: number;
  /** Requests per operation name. */
  byOperation: Record<string, number>;
  /**
   * Milliseconds spent waiting for the service (from the request until the last byte, less
   * the parsing), and parsing and mapping the answers. Summed over requests: with several
   * in flight, waitMs exceeds the wall-clock time.
   */
  waitMs: number;
  parseMs: number;
}

/** Narrows GetPerson / GetEmployment to one person or employment; `passive` adds statuses 7, 8, 9. */
export interface SdLookup {
  cpr?: string;
  employmentId?: string;
  passive?: boolean;
}

const OP = {
  department: 'GetDepartment20111201',
  organization: 'GetOrganization20111201',
  departmentParent: 'GetDepartmentParent20190701',
  person: 'GetPerson20111201',
  employment: 'GetEmployment20111201',
  employmentChanged: 'GetEmploymentChanged20111201',
  employmentChangedAt: 'GetEmploymentChangedAtDate20111201',
  personChangedAt: 'GetPersonChangedAtDate20111201',
} as const;

/** First retry after about 200 ms, then 400, 800, … (each ±25 %), never more than 10 s. */
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 10_000;
/** Of an error answer, only this much is read looking for a fault: a proxy's page can be large. */
const MAX_ERROR_BODY = 1 << 20;

type Params = [string, string][];

export class SdClient {
  readonly stats: SdClientStats = { calls: 0, retries: 0, byOperation: {}, waitMs: 0, parseMs: 0 };
  readonly #base: string;
  /** Made once; the password itself is not kept. */
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #signal: AbortSignal | undefined;
  readonly #queue: PQueue;
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(opts: SdClientOptions) {
    this.#base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
    const password = typeof opts.password === 'string' ? opts.password : opts.password.reveal();
    this.#authorization = `Basic ${Buffer.from(`${opts.username}:${password}`).toString('base64')}`;
    this.#timeoutMs = opts.timeoutMs;
    this.#retries = Math.max(0, opts.retries);
    this.#signal = opts.signal;
    const concurrency = Math.max(1, opts.concurrency);
    this.#queue = new PQueue({ concurrency });
    // Keep-alive: hundreds of small GetDepartmentParent calls should not each pay a TLS handshake.
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets: concurrency, minVersion: 'TLSv1.2' });
  }

  /** HTTP requests sent so far, retries included. */
  get calls(): number {
    return this.stats.calls;
  }

  /** Frees the kept-alive connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  /**
   * Every department active on some day of [from, to] (ISO dates), with everything SD can tell
   * of it, and the institution's UUID (a department whose parent is that UUID is a root).
   */
  departments(
    institution: string,
    from: string,
    to: string,
  ): Promise<{ institutionUuid: string; departments: SdDepartment[] }> {
    return this.#call({ operation: OP.department, institution }, () => new DepartmentSink(), [
      ['InstitutionIdentifier', institution],
      ['ActivationDate', sdDate(from)],
      ['DeactivationDate', sdDate(to)],
      ['DepartmentNameIndicator', 'true'],
      ['PostalAddressIndicator', 'true'],
      ['ContactInformationIndicator', 'true'],
      ['ProductionUnitIndicator', 'true'],
      ['UUIDIndicator', 'true'],
    ]);
  }

  /**
   * The tree on `day` as GetOrganization tells it: department UUID → parent UUID, null for
   * the top of a chain. Departments with no `Afdelings-niveau` leaf below them are missing
   * (ask departmentParent for those).
   */
  organization(institution: string, day: string): Promise<Map<string, string | null>> {
    const d = sdDate(day);
    return this.#call({ operation: OP.organization, institution }, () => new OrganizationSink(), [
      ['InstitutionIdentifier', institution],
      ['ActivationDate', d],
      ['DeactivationDate', d],
      ['UUIDIndicator', 'true'],
    ]);
  }

  /**
   * One department's parent UUID on `effectiveDay` (the institution's UUID for a root). Asked
   * for a day before the department's ActivationDate SD says it does not exist: that throws
   * ORGSYNC_SD_FAULT with `notFound: true`.
   */
  departmentParent(uuid: string, effectiveDay: string): Promise<string> {
    return this.#call({ operation: OP.departmentParent, department: uuid }, () => new ParentSink(), [
      ['EffectiveDate', sdDate(effectiveDay)],
      ['DepartmentUUIDIdentifier', uuid],
    ]);
  }

  /** Persons with an active (and, with `passive`, a passive) employment on `day`, with work contacts. */
  persons(institution: string, day: string, opts: SdLookup = {}): Promise<SdPerson[]> {
    return this.#call({ operation: OP.person, institution }, () => new PersonSink(), [
      ['InstitutionIdentifier', institution],
      ['EffectiveDate', sdDate(day)],
      ['StatusActiveIndicator', 'true'],
      ['StatusPassiveIndicator', bool(opts.passive)],
      ['ContactInformationIndicator', 'true'],
      ['PostalAddressIndicator', 'false'],
      ...lookup(opts),
    ]);
  }

  /** Employments active (and, with `passive`, passive) on `day`: each part a list of the one period holding that day. */
  employments(institution: string, day: string, opts: SdLookup = {}): Promise<SdEmployment[]> {
    return this.#call({ operation: OP.employment, institution }, () => new EmploymentSink(), [
      ['InstitutionIdentifier', institution],
      ['EffectiveDate', sdDate(day)],
      ['StatusActiveIndicator', 'true'],
      ['StatusPassiveIndicator', bool(opts.passive)],
      ...PARTS,
      ['SalaryAgreementIndicator', 'false'],
      ['SalaryCodeGroupIndicator', 'false'],
      ...lookup(opts),
    ]);
  }

  /** Employments with a period that starts in [fromDay, toDay]: each part lists the periods overlapping it. */
  employmentsChanged(institution: string, fromDay: string, toDay: string): Promise<SdEmployment[]> {
    return this.#call({ operation: OP.employmentChanged, institution }, () => new EmploymentSink(), [
      ['InstitutionIdentifier', institution],
      ['ActivationDate', sdDate(fromDay)],
      ['DeactivationDate', sdDate(toDay)],
      ...PARTS,
    ]);
  }

  /**
   * Employments with a period registered in [from, to] (to the minute, Copenhagen time),
   * future periods included: each part lists only the periods registered in the window.
   */
  employmentsChangedAt(institution: string, from: Date, to: Date): Promise<SdEmployment[]> {
    return this.#call({ operation: OP.employmentChangedAt, institution }, () => new EmploymentSink(), [
      ['InstitutionIdentifier', institution],
      ...windowParams(from, to),
      ...PARTS,
      ['FutureInformationIndicator', 'true'],
    ]);
  }

  /** Persons whose own data (names, contact) was registered in [from, to]. */
  personsChangedAt(institution: string, from: Date, to: Date): Promise<SdPerson[]> {
    return this.#call({ operation: OP.personChangedAt, institution }, () => new PersonSink(), [
      ['InstitutionIdentifier', institution],
      ...windowParams(from, to),
      ['ContactInformationIndicator', 'true'],
      ['PostalAddressIndicator', 'false'],
    ]);
  }

  /** One operation, with its retries; each attempt waits its turn in the queue, backoffs do not. */
  async #call<T>(ref: SdCallRef, makeSink: () => AnswerSink<T>, params: Params): Promise<T> {
    const url = `${this.#base}${ref.operation}?${new URLSearchParams(params).toString()}`;
    for (let attempt = 1; ; attempt++) {
      this.#signal?.throwIfAborted();
      const outcome = await this.#queue.add(() => this.#attempt(ref, url, makeSink()), {
        throwOnTimeout: true,
      });
      if (outcome.done) return outcome.value;
      if (attempt > this.#retries) throw unreachableError(ref, outcome.reason, attempt, outcome.status);
      this.stats.retries++;
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      await sleep(Math.round(ceiling * (0.75 + Math.random() / 2)), this.#signal);
    }
  }

  /**
   * One request. Answers the mapped result, or a reason worth another try; throws what is
   * final (a fault, closed, a refused login, a malformed answer, the caller's abort).
   */
  async #attempt<T>(ref: SdCallRef, url: string, sink: AnswerSink<T>): Promise<Attempt<T>> {
    // Waiting in the queue, the run may have been stopped.
    this.#signal?.throwIfAborted();
    const stats = this.stats;
    stats.calls++;
    stats.byOperation[ref.operation] = (stats.byOperation[ref.operation] ?? 0) + 1;
    const started = performance.now();
    let parseMs = 0;
    // One controller for both the caller's signal and the time limit, which restarts with
    // every piece of the body: a large answer may take long in all, but never stalls long.
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.#signal?.addEventListener('abort', abort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const failed = (e: unknown, inBody: boolean): Attempt<T> => {
      if (this.#signal?.aborted) throw this.#signal.reason;
      if (timedOut) return retry(`no answer within ${this.#timeoutMs} ms`);
      if (inBody)
        return retry(`the answer was cut short (${(e as { code?: string }).code ?? 'connection closed'})`);
      return retry(networkReason(e, this.#timeoutMs));
    };
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { authorization: this.#authorization, accept: 'application/xml, text/xml' },
          agent: (u) => (u.protocol === 'http:' ? this.#http : this.#https),
          signal: controller.signal,
        });
      } catch (e) {
        return failed(e, false);
      }
      const status = res.status;
      const body = res.body as Readable | null;
      if (status === 401 || status === 403) {
        body?.destroy();
        throw authError(ref, status);
      }
      const ok = status >= 200 && status < 300;
      // An error status: only an Envelope (a fault, or closed) is of interest, not records.
      const reader = new AnswerReader(ref.operation, ok ? sink : null);
      let decoder: TextDecoder | undefined;
      let bytes = 0;
      if (body !== null) {
        const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        for (;;) {
          timer.refresh();
          let next: IteratorResult<Buffer>;
          try {
            next = await chunks.next();
          } catch (e) {
            return failed(e, true);
          }
          if (next.done) break;
          const chunk = next.value;
          bytes += chunk.length;
          decoder ??= decoderFor(res.headers.get('content-type'), chunk);
          if (decoder === undefined) {
            body.destroy();
            throw malformedError(ref, 'the answer is in an encoding that cannot be read');
          }
          const t0 = performance.now();
          try {
            reader.write(decoder.decode(chunk, { stream: true }));
          } catch (e) {
            body.destroy();
            if (e instanceof MissingElement) throw malformedError(ref, e.describe());
            if (isDecodeError(e))
              throw malformedError(ref, `the answer holds bytes that are not ${decoder.encoding}`);
            throw e;
          }
          parseMs += performance.now() - t0;
          if (reader.invalid !== undefined) break;
          if (!ok && ((reader.root !== undefined && reader.root !== 'Envelope') || bytes > MAX_ERROR_BODY))
            break;
        }
        body.destroy();
      }
      const t0 = performance.now();
      try {
        // A character cut off by the end of the body: the answer is truncated, which end() says.
        reader.write(decoder?.decode() ?? '');
      } catch (e) {
        if (!isDecodeError(e)) throw e;
      }
      const outcome = reader.end();
      parseMs += performance.now() - t0;

      if (outcome.type === 'fault') throw faultError(ref, outcome.texts, status);
      if (ok) {
        if (outcome.type === 'answer') {
          try {
            return { done: true, value: sink.result() };
          } catch (e) {
            if (e instanceof MissingElement) throw malformedError(ref, e.describe());
            throw e;
          }
        }
        if (outcome.type === 'truncated') return retry('the answer was cut short');
        throw malformedError(ref, `the answer is not an SD answer: ${outcome.reason}`);
      }
      // An error status without a fault: a proxy's page, or SD failing without saying why.
      const what = `answered HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''}`;
      if (isRetryableStatus(status)) return retry(what, status);
      throw new SdError('unreachable', ref, what, { status });
    } finally {
      clearTimeout(timer);
      this.#signal?.removeEventListener('abort', abort);
      stats.parseMs += parseMs;
      stats.waitMs += performance.now() - started - parseMs;
    }
  }
}

type Attempt<T> = { done: true; value: T } | { done: false; reason: string; status: number | undefined };

const retry = (
  reason: string,
  status?: number,
): { done: false; reason: string; status: number | undefined } => ({
  done: false,
  reason,
  status,
});

const isDecodeError = (e: unknown): boolean =>
  e instanceof TypeError && (e as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';

// ---- request parameters ----

/** The parts an employment read asks for: all of model.ts's timelines, with department UUIDs. */
const PARTS: Params = [
  ['DepartmentIndicator', 'true'],
  ['EmploymentStatusIndicator', 'true'],
  ['ProfessionIndicator', 'true'],
  ['WorkingTimeIndicator', 'true'],
  ['UUIDIndicator', 'true'],
];

const bool = (b: boolean | undefined): string => (b ? 'true' : 'false');

function lookup(opts: SdLookup): Params {
  const params: Params = [];
  if (opts.cpr !== undefined) params.push(['PersonCivilRegistrationIdentifier', opts.cpr]);
  if (opts.employmentId !== undefined) params.push(['EmploymentIdentifier', opts.employmentId]);
  return params;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `2024-02-01` → `01.02.2024`. */
export function sdDate(iso: string): string {
  if (!ISO_DATE.test(iso)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${iso}`);
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
}

const COPENHAGEN = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * A moment as SD's date and time parameters: Copenhagen wall-clock time, to the minute.
 * (Within the hour repeated when summer time ends, two moments read alike: a window there
 * may come out empty or reversed; a delta reader's overlap covers it.)
 */
export function sdDateTime(moment: Date): { date: string; time: string } {
  const p: Record<string, string> = {};
  for (const part of COPENHAGEN.formatToParts(moment)) p[part.type] = part.value;
  return { date: `${p['day']}.${p['month']}.${p['year']}`, time: `${p['hour']}:${p['minute']}` };
}

function windowParams(from: Date, to: Date): Params {
  const a = sdDateTime(from);
  const b = sdDateTime(to);
  return [
    ['ActivationDate', a.date],
    ['ActivationTime', a.time],
    ['DeactivationDate', b.date],
    ['DeactivationTime', b.time],
  ];
}

// ---- answers to model.ts ----

/** Gathers one answer's records; a new one per attempt, so a retried answer starts clean. */
interface AnswerSink<T> extends RecordSink {
  result(): T;
}

/**
 * A record without an element the model needs. Thrown by the mappers with the element's path
 * only (never a value); the client turns it into ORGSYNC_SOURCE_MALFORMED naming the call.
 */
class MissingElement extends Error {
  constructor(
    readonly path: string,
    readonly record: number,
  ) {
    super(path);
  }
  describe(): string {
    return this.record > 0
      ? `record ${this.record} of the answer has no ${this.path}`
      : `the answer has no ${this.path}`;
  }
}

/** Text of a required child: present and not empty, or the record is malformed. */
function required(node: XmlNode, name: string, path: string, record: number): string {
  const c = child(node, name);
  const v = c === undefined ? '' : value(c);
  if (v === '') throw new MissingElement(`${path}/${name}`, record);
  return v;
}

/** Text of an optional child; an empty element counts as absent. */
function optional(node: XmlNode, name: string): string | undefined {
  const v = childText(node, name);
  return v === '' ? undefined : v;
}

/**
 * A descriptive text the model requires (a name): SD leaves it out of some records, and a
 * missing name is not worth refusing the whole answer over, so absent reads as ''.
 */
const name = (node: XmlNode, element: string): string => childText(node, element) ?? '';

/** Every non-empty value of the children named `element`. */
function all(node: XmlNode, element: string): string[] {
  const out: string[] = [];
  for (const c of node.children) {
    if (c.name !== element) continue;
    const v = value(c);
    if (v !== '') out.push(v);
  }
  return out;
}

const contactOf = (node: XmlNode | undefined): SdContact =>
  node === undefined
    ? { phones: [], emails: [] }
    : { phones: all(node, 'TelephoneNumberIdentifier'), emails: all(node, 'EmailAddressIdentifier') };

class DepartmentSink implements AnswerSink<{ institutionUuid: string; departments: SdDepartment[] }> {
  #institutionUuid: string | undefined;
  readonly #departments: SdDepartment[] = [];
  #n = 0;

  record(node: XmlNode): void {
    if (node.name === 'InstitutionUUIDIdentifier') this.#institutionUuid = value(node);
    else if (node.name === 'Department') this.#departments.push(department(node, ++this.#n));
  }

  result() {
    if (!this.#institutionUuid) throw new MissingElement('InstitutionUUIDIdentifier', 0);
    return { institutionUuid: this.#institutionUuid, departments: this.#departments };
  }
}

function department(node: XmlNode, n: number): SdDepartment {
  const P = 'Department';
  const d: SdDepartment = {
    identifier: required(node, 'DepartmentIdentifier', P, n),
    uuid: required(node, 'DepartmentUUIDIdentifier', P, n),
    level: required(node, 'DepartmentLevelIdentifier', P, n),
    name: name(node, 'DepartmentName'),
    activationDate: required(node, 'ActivationDate', P, n),
    deactivationDate: required(node, 'DeactivationDate', P, n),
  };
  const address = child(node, 'PostalAddress');
  if (address !== undefined)
    d.address = {
      street: optional(address, 'StandardAddressIdentifier'),
      postalCode: optional(address, 'PostalCode'),
      city: optional(address, 'DistrictName'),
    };
  const productionUnit = optional(node, 'ProductionUnitIdentifier');
  if (productionUnit !== undefined) d.productionUnit = productionUnit;
  const contact = child(node, 'ContactInformation');
  if (contact !== undefined) {
    const c = contactOf(contact);
    d.phones = c.phones;
    d.emails = c.emails;
  }
  return d;
}

/**
 * GetOrganization's leaf-first chains: each top-level DepartmentReference nests its parent,
 * which nests its parent. A chain is followed only until a department already placed: the
 * rest of it was placed by an earlier chain through the same department.
 */
class OrganizationSink implements AnswerSink<Map<string, string | null>> {
  readonly #parents = new Map<string, string | null>();
  #n = 0;

  record(node: XmlNode): void {
    if (node.name !== 'Organization') return;
    const P = 'Organization/DepartmentReference';
    for (const top of node.children) {
      if (top.name !== 'DepartmentReference') continue;
      const n = ++this.#n;
      let ref: XmlNode | undefined = top;
      while (ref !== undefined) {
        const uuid = required(ref, 'DepartmentUUIDIdentifier', P, n);
        if (this.#parents.has(uuid)) break;
        const parent = child(ref, 'DepartmentReference');
        this.#parents.set(
          uuid,
          parent === undefined ? null : required(parent, 'DepartmentUUIDIdentifier', P, n),
        );
        ref = parent;
      }
    }
  }

  result() {
    return this.#parents;
  }
}

class ParentSink implements AnswerSink<string> {
  #parent: string | undefined;

  record(node: XmlNode): void {
    if (node.name === 'DepartmentParent')
      this.#parent = required(node, 'DepartmentUUIDIdentifier', 'DepartmentParent', 1);
  }

  result(): string {
    if (this.#parent === undefined) throw new MissingElement('DepartmentParent', 0);
    return this.#parent;
  }
}

class PersonSink implements AnswerSink<SdPerson[]> {
  readonly #persons: SdPerson[] = [];
  #n = 0;

  record(node: XmlNode): void {
    if (node.name !== 'Person') return;
    const n = ++this.#n;
    const employmentContacts = new Map<string, SdContact>();
    for (const e of node.children) {
      if (e.name !== 'Employment') continue;
      const id = required(e, 'EmploymentIdentifier', 'Person/Employment', n);
      employmentContacts.set(id, contactOf(child(e, 'ContactInformation')));
    }
    this.#persons.push({
      cpr: required(node, 'PersonCivilRegistrationIdentifier', 'Person', n),
      givenName: name(node, 'PersonGivenName'),
      surname: name(node, 'PersonSurnameName'),
      employmentContacts,
    });
  }

  result(): SdPerson[] {
    return this.#persons;
  }
}

/** GetEmployment and its changed siblings: Person → Employment*, each part a list of periods. */
class EmploymentSink implements AnswerSink<SdEmployment[]> {
  readonly #employments: SdEmployment[] = [];
  #n = 0;

  record(node: XmlNode): void {
    if (node.name !== 'Person') return;
    const n = ++this.#n;
    let cpr: string | undefined;
    for (const e of node.children) {
      if (e.name !== 'Employment') continue;
      cpr ??= required(node, 'PersonCivilRegistrationIdentifier', 'Person', n);
      this.#employments.push(employment(e, cpr, n));
    }
  }

  result(): SdEmployment[] {
    return this.#employments;
  }
}

/** One pass over an Employment's children: the bulk of a 50,000-employment read is here. */
function employment(node: XmlNode, cpr: string, n: number): SdEmployment {
  let id: string | undefined;
  let employmentDate: string | undefined;
  const status: Period<string>[] = [];
  const department: Period<SdDepartmentRef>[] = [];
  const profession: Period<SdProfession>[] = [];
  const workingTime: Period<string>[] = [];
  for (const c of node.children) {
    switch (c.name) {
      case 'EmploymentIdentifier':
        id = value(c);
        break;
      case 'EmploymentDate':
        employmentDate = value(c) || undefined;
        break;
      case 'EmploymentStatus': {
        const P = 'Person/Employment/EmploymentStatus';
        status.push(period(c, P, n, required(c, 'EmploymentStatusCode', P, n)));
        break;
      }
      case 'EmploymentDepartment': {
        const P = 'Person/Employment/EmploymentDepartment';
        const ref = {
          identifier: required(c, 'DepartmentIdentifier', P, n),
          uuid: required(c, 'DepartmentUUIDIdentifier', P, n),
        };
        department.push(period(c, P, n, ref));
        break;
      }
      case 'Profession': {
        const P = 'Person/Employment/Profession';
        const job = {
          jobPositionId: required(c, 'JobPositionIdentifier', P, n),
          name: name(c, 'EmploymentName'),
        };
        profession.push(period(c, P, n, job));
        break;
      }
      case 'WorkingTime': {
        const P = 'Person/Employment/WorkingTime';
        workingTime.push(period(c, P, n, required(c, 'OccupationRate', P, n)));
        break;
      }
    }
  }
  if (!id) throw new MissingElement('Person/Employment/EmploymentIdentifier', n);
  return { cpr, id, employmentDate, timelines: { status, department, profession, workingTime } };
}

const period = <V>(node: XmlNode, path: string, n: number, value: V): Period<V> => ({
  from: required(node, 'ActivationDate', path, n),
  to: required(node, 'DeactivationDate', path, n),
  value,
});
