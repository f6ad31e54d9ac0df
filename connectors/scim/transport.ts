/**
 * How a change's writes reach the service: one request each, or gathered into /Bulk
 * requests (RFC 7644 section 3.7) when the service offers bulk.
 *
 * A change is a short list of operations, of which a later one may name the resource an
 * earlier POST creates as `bulkId:<id>` (a new User joining its unit's Group). Sent one by
 * one, the reference is filled in here; in a bulk request, the service fills it in.
 *
 * Bulk keeps the engine's model: the executor still hands over one change per call, up to
 * the target's `concurrency` at a time. Calls arriving within `bulk.windowMs` of each other
 * travel in one /Bulk request, up to the service's maxOperations and maxPayloadSize; each
 * call gets its own operations' answers back. So dependencies, retries and the record of
 * each change stay exactly as without bulk, and a target's `concurrency` sets the bulk size.
 */
import type { Logger } from 'pino';
import type { ScimHttp } from './http.js';
import { isSuccess, versionOf } from './http.js';

export interface Op {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the SCIM base: `/Users`, `/Groups/<id>`; may hold `bulkId:<id>`. */
  path: string;
  data?: unknown;
  /** The version the write expects (If-Match; `version` in a bulk operation). */
  version?: string | null | undefined;
  /** For a POST: the name later operations of the same change use for what it creates. */
  bulkId?: string;
}

export interface OpResult {
  /** The HTTP status, or 0 for an operation not sent because one before it failed. */
  status: number;
  body: unknown;
  version: string | null;
  /** For a POST that succeeded: the new resource's id. */
  id: string | null;
  retryAfterMs: number | undefined;
}

export interface Transport {
  run(ops: readonly Op[], what: string): Promise<OpResult[]>;
  close(): Promise<void>;
}

const NOT_SENT: OpResult = { status: 0, body: undefined, version: null, id: null, retryAfterMs: undefined };

const idOf = (body: unknown): string | null => {
  const id = (body as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : null;
};

const BULK_REF = 'bulkId:';

/**
 * An operation with its `bulkId:` references rewritten by `to` (which gets the name after
 * `bulkId:` and answers the whole new value, or undefined to leave it). Only the places
 * orgsync puts references are touched, never an attribute value from HR that happens to
 * read `bulkId:...`: the path, a Group's `members[].value` (POST, PUT), and the members
 * a PATCH adds (`{path: "members", value: [{value}]}`, or `{value: {members: [...]}}`).
 */
function rewriteRefs(op: Op, to: (ref: string) => string | undefined): Op {
  const ref = (v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(BULK_REF)) return v;
    return to(v.slice(BULK_REF.length)) ?? v;
  };
  const members = (list: unknown) =>
    Array.isArray(list)
      ? list.map((m) => (isRecord(m) && 'value' in m ? { ...m, value: ref(m['value']) } : m))
      : isRecord(list) && 'value' in list
        ? { ...list, value: ref(list['value']) }
        : list;
  const path = op.path
    .split('/')
    .map((part) => ref(part) as string)
    .join('/');
  let data = op.data;
  if (isRecord(data)) {
    data = { ...data };
    const d = data as Record<string, unknown>;
    if ('members' in d) d['members'] = members(d['members']);
    if (Array.isArray(d['Operations']))
      d['Operations'] = d['Operations'].map((o: unknown) => {
        if (!isRecord(o)) return o;
        const target = typeof o['path'] === 'string' ? o['path'].trim().toLowerCase() : undefined;
        if (target === 'members') return { ...o, value: members(o['value']) };
        if (target === undefined && isRecord(o['value']) && 'members' in o['value'])
          return { ...o, value: { ...o['value'], members: members(o['value']['members']) } };
        return o;
      });
  }
  return { ...op, path, ...(data === undefined ? {} : { data }) };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One request per operation, in order; after a failure the rest are not sent. */
export class DirectTransport implements Transport {
  readonly #http: ScimHttp;
  constructor(http: ScimHttp) {
    this.#http = http;
  }

  async run(ops: readonly Op[], what: string): Promise<OpResult[]> {
    const ids = new Map<string, string>();
    const results: OpResult[] = [];
    for (const op of ops) {
      if (results.some((r) => !isSuccess(r.status))) {
        results.push(NOT_SENT);
        continue;
      }
      const sent = ids.size === 0 ? op : rewriteRefs(op, (ref) => ids.get(ref));
      const answer = await this.#http.send(op.method, sent.path, {
        what,
        ifMatch: op.version,
        ...(sent.data === undefined ? {} : { body: sent.data }),
      });
      const id = op.method === 'POST' ? idOf(answer.body) : null;
      if (id && op.bulkId) ids.set(op.bulkId, id);
      results.push({ ...answer, id });
    }
    return results;
  }

  async close(): Promise<void> {}
}

interface Waiting {
  ops: Op[];
  bytes: number;
  what: string;
  resolve(results: OpResult[]): void;
  reject(e: unknown): void;
}

export interface BulkLimits {
  maxOperations: number;
  maxPayloadSize: number;
  windowMs: number;
}

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
/** What the bulk envelope adds to its operations' bytes, with room to spare. */
const ENVELOPE_BYTES = 512;

/** The status of a bulk operation's answer: "201", 201, or { code: 201 } (older drafts). */
function statusOf(status: unknown): number {
  const raw = typeof status === 'object' && status !== null ? (status as { code?: unknown }).code : status;
  const n = Number(raw);
  return Number.isInteger(n) ? n : 500;
}

export class BulkTransport implements Transport {
  readonly #http: ScimHttp;
  readonly #direct: DirectTransport;
  /** Lowered after a 413 to a whole request. */
  readonly #limits: BulkLimits;
  readonly #logger: Logger | undefined;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight = new Set<Promise<void>>();
  #nextBulkId = 1;
  /** Set when the service refused /Bulk itself (405, 501): every change goes directly. */
  #off = false;

  constructor(http: ScimHttp, limits: BulkLimits, logger?: Logger) {
    this.#http = http;
    this.#direct = new DirectTransport(http);
    this.#limits = { ...limits };
    this.#logger = logger;
  }

  run(ops: readonly Op[], what: string): Promise<OpResult[]> {
    if (this.#off) return this.#direct.run(ops, what);
    // bulkIds are unique within a request: each change's own are renamed to session-wide ones.
    const renamed = new Map<string, string>();
    for (const op of ops) if (op.bulkId) renamed.set(op.bulkId, `b${this.#nextBulkId++}`);
    const mine = ops.map((op) => {
      const named = rewriteRefs(op, (ref) =>
        renamed.has(ref) ? `${BULK_REF}${renamed.get(ref)}` : undefined,
      );
      return { ...named, ...(op.bulkId ? { bulkId: renamed.get(op.bulkId)! } : {}) };
    });
    const bytes = Buffer.byteLength(JSON.stringify(mine.map(toBulkOperation)));
    // A change too large for any bulk request still goes: one request per operation.
    if (mine.length > this.#limits.maxOperations || bytes + ENVELOPE_BYTES > this.#limits.maxPayloadSize)
      return this.#direct.run(ops, what);
    return new Promise((resolve, reject) => {
      const pendingOps = this.#waiting.reduce((n, w) => n + w.ops.length, 0);
      const pendingBytes = this.#waiting.reduce((n, w) => n + w.bytes, 0);
      if (
        pendingOps + mine.length > this.#limits.maxOperations ||
        pendingBytes + bytes + ENVELOPE_BYTES > this.#limits.maxPayloadSize
      )
        this.#flush();
      this.#waiting.push({ ops: mine, bytes, what, resolve, reject });
      const count = this.#waiting.reduce((n, w) => n + w.ops.length, 0);
      if (count >= this.#limits.maxOperations) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#limits.windowMs);
    });
  }

  async close(): Promise<void> {
    this.#flush();
    await Promise.allSettled([...this.#inFlight]);
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length === 0) return;
    const sending = this.#send(batch).finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  async #send(batch: Waiting[]): Promise<void> {
    const operations = batch.flatMap((w) => w.ops.map(toBulkOperation));
    const what =
      batch.length === 1 ? batch[0]!.what : `bulk of ${batch.length} changes (${batch[0]!.what}, ...)`;
    try {
      const answer = await this.#http.send('POST', '/Bulk', {
        what,
        body: { schemas: [BULK_REQUEST], Operations: operations },
      });
      if (answer.status === 405 || answer.status === 501 || answer.status === 413) {
        // /Bulk itself refused, not the operations in it: they go again, one request each.
        this.#refused(answer.status, batch);
        await Promise.all(batch.map((w) => this.#direct.run(w.ops, w.what).then(w.resolve, w.reject)));
        return;
      }
      if (!isSuccess(answer.status)) {
        // The request as a whole was refused (busy, unauthorised): so was each operation.
        const all: OpResult = { ...answer, id: null };
        for (const w of batch) w.resolve(w.ops.map(() => all));
        return;
      }
      const answered = (answer.body as { Operations?: unknown } | undefined)?.Operations;
      const list = Array.isArray(answered) ? (answered as Record<string, unknown>[]) : [];
      const results = matchAnswers(
        batch.flatMap((w) => w.ops),
        list,
      );
      let at = 0;
      for (const w of batch) w.resolve(w.ops.map(() => results[at++]!));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
  /** After a 405 or 501 to /Bulk: no more bulk this session. After a 413: smaller requests. */
  #refused(status: number, batch: Waiting[]): void {
    if (status === 413) {
      const ops = batch.reduce((n, w) => n + w.ops.length, 0);
      const bytes = batch.reduce((n, w) => n + w.bytes, 0) + ENVELOPE_BYTES;
      this.#limits.maxOperations = Math.max(1, Math.min(this.#limits.maxOperations, Math.floor(ops / 2)));
      this.#limits.maxPayloadSize = Math.min(this.#limits.maxPayloadSize, Math.floor(bytes / 2));
      this.#logger?.info(
        { origin: this.#http.origin, status, maxOperations: this.#limits.maxOperations },
        'the service refuses the /Bulk request as too large: its changes are sent one by one, and later bulk requests are smaller',
      );
      return;
    }
    if (this.#off) return;
    this.#off = true;
    this.#logger?.info(
      { origin: this.#http.origin, status },
      'the service refuses /Bulk: sending one request per operation from now on',
    );
  }
}

/** The resource path a bulk answer's `location` names (`/scim/v2/Users/42` of a full URL). */
function locationPath(location: unknown): string | undefined {
  if (typeof location !== 'string' || location === '') return undefined;
  let path = location;
  try {
    path = new URL(location, 'http://relative.invalid').pathname;
  } catch {
    // not a URL: compared as it is
  }
  return decoded(path).replace(/\/+$/, '');
}

const decoded = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Whether a bulk answer is the one for an operation: true, false, or null when it does not
 * say (no bulkId, no location). POSTs are named by their bulkId, the others by method and
 * location (the resource they wrote).
 */
function answers(a: Record<string, unknown>, op: Op): boolean | null {
  const method = typeof a['method'] === 'string' ? a['method'].toUpperCase() : undefined;
  if (method !== undefined && method !== op.method) return false;
  if (op.method === 'POST') {
    if (op.bulkId && typeof a['bulkId'] === 'string') return a['bulkId'] === op.bulkId;
    return null;
  }
  const at = locationPath(a['location']);
  if (at === undefined || op.path.includes(BULK_REF)) return null;
  return at.endsWith(decoded(op.path));
}

/**
 * Each operation's answer. RFC 7644 does not promise the answers in the order of the
 * operations, so an answer is found by what it names (bulkId, method and location); only an
 * answer that names nothing is taken by its position. Two writes of one resource take its
 * answers in order. An operation without an answer (a service that stopped early,
 * failOnErrors) was not sent.
 */
function matchAnswers(ops: readonly Op[], list: readonly Record<string, unknown>[]): OpResult[] {
  const used = new Set<number>();
  const chosen: (number | undefined)[] = ops.map(() => undefined);
  ops.forEach((op, i) => {
    const at = list.findIndex((a, j) => !used.has(j) && answers(a, op) === true);
    if (at >= 0) {
      used.add(at);
      chosen[i] = at;
    }
  });
  ops.forEach((op, i) => {
    if (chosen[i] !== undefined || used.has(i) || !list[i] || answers(list[i]!, op) !== null) return;
    used.add(i);
    chosen[i] = i;
  });
  return ops.map((op, i) => {
    const a = chosen[i] === undefined ? undefined : list[chosen[i]!];
    if (!a) return NOT_SENT;
    const location = typeof a['location'] === 'string' ? a['location'] : '';
    const body = a['response'];
    return {
      status: statusOf(a['status']),
      body,
      version: typeof a['version'] === 'string' ? a['version'] : versionOf(body),
      id: op.method === 'POST' ? (idOf(body) ?? (location.split('/').pop() || null)) : null,
      retryAfterMs: undefined,
    };
  });
}

const toBulkOperation = (op: Op) => ({
  method: op.method,
  path: op.path,
  ...(op.bulkId ? { bulkId: op.bulkId } : {}),
  ...(op.version ? { version: op.version } : {}),
  ...(op.data === undefined ? {} : { data: op.data }),
});
