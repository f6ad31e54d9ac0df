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

/** Replaces `bulkId:<id>` references with the ids the POSTs before them got. */
function resolveRefs<T>(value: T, ids: ReadonlyMap<string, string>): T {
  if (ids.size === 0) return value;
  const json = JSON.stringify(value).replace(/"bulkId:([^"]+)"/g, (whole, ref: string) =>
    ids.has(ref) ? JSON.stringify(ids.get(ref)) : whole,
  );
  return JSON.parse(json) as T;
}

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
      const path = op.path.replace(/bulkId:([^/]+)/, (whole, ref: string) => ids.get(ref) ?? whole);
      const answer = await this.#http.send(op.method, path, {
        what,
        ifMatch: op.version,
        ...(op.data === undefined ? {} : { body: resolveRefs(op.data, ids) }),
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
  readonly #limits: BulkLimits;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight = new Set<Promise<void>>();
  #nextBulkId = 1;

  constructor(http: ScimHttp, limits: BulkLimits) {
    this.#http = http;
    this.#direct = new DirectTransport(http);
    this.#limits = limits;
  }

  run(ops: readonly Op[], what: string): Promise<OpResult[]> {
    // bulkIds are unique within a request: each change's own are renamed to session-wide ones.
    const renamed = new Map<string, string>();
    for (const op of ops) if (op.bulkId) renamed.set(op.bulkId, `b${this.#nextBulkId++}`);
    const mine = ops.map((op) => {
      const data = op.data === undefined ? undefined : renameRefs(op.data, renamed);
      return {
        ...op,
        path: renameRefs(op.path, renamed),
        ...(data === undefined ? {} : { data }),
        ...(op.bulkId ? { bulkId: renamed.get(op.bulkId)! } : {}),
      };
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
      if (!isSuccess(answer.status)) {
        // The request as a whole was refused (busy, too large, unauthorised): so was each operation.
        const all: OpResult = { ...answer, id: null };
        for (const w of batch) w.resolve(w.ops.map(() => all));
        return;
      }
      const answered = (answer.body as { Operations?: unknown } | undefined)?.Operations;
      const list = Array.isArray(answered) ? (answered as Record<string, unknown>[]) : [];
      // Answers come in the order of the operations (bulkIds are echoed for POSTs only); a
      // service that stopped early (failOnErrors) leaves the rest unanswered: not sent.
      let at = 0;
      for (const w of batch) {
        w.resolve(
          w.ops.map((op) => {
            const a = list[at++];
            if (!a || (op.bulkId && a['bulkId'] !== undefined && a['bulkId'] !== op.bulkId)) return NOT_SENT;
            const location = typeof a['location'] === 'string' ? a['location'] : '';
            const body = a['response'];
            return {
              status: statusOf(a['status']),
              body,
              version: typeof a['version'] === 'string' ? a['version'] : versionOf(body),
              id: op.method === 'POST' ? (idOf(body) ?? (location.split('/').pop() || null)) : null,
              retryAfterMs: undefined,
            };
          }),
        );
      }
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}

function renameRefs<T>(value: T, renamed: ReadonlyMap<string, string>): T {
  if (renamed.size === 0) return value;
  const json = JSON.stringify(value).replace(/bulkId:([\w-]+)/g, (whole, ref: string) =>
    renamed.has(ref) ? `bulkId:${renamed.get(ref)}` : whole,
  );
  return JSON.parse(json) as T;
}

const toBulkOperation = (op: Op) => ({
  method: op.method,
  path: op.path,
  ...(op.bulkId ? { bulkId: op.bulkId } : {}),
  ...(op.version ? { version: op.version } : {}),
  ...(op.data === undefined ? {} : { data: op.data }),
});
