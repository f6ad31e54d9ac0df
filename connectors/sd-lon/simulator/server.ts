/**
 * A strict local SD Løn web service (PROTOCOL.md) on plain node:http. Each request goes
 * through, in order:
 *   1. the path: `/sdws/<Operation>` or `/<Operation>`                 -> else 404
 *   2. GET only                                                        -> else 405
 *   3. HTTP Basic auth                                                 -> else 401
 *   4. it counts as a call; fault injection (seeded draws, or the test's hook for call n)
 *   5. the opening hours (Copenhagen time)                             -> HTTP 200 "The webservice has failed" Fault
 *   6. the operation: strict parameters, then the answer               -> HTTP 500 Fault on refusal
 * Answers are streamed in chunks as the operation produces them, honouring backpressure: a
 * full read of a big municipality is tens of megabytes and must not sit in memory as one
 * string, nor make the client wait for the whole of it.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from '../../fk-organisation/simulator/faults.js';
import { type OpeningHours, openAt } from '../hours.js';
import { isOperation, type OperationName, runOperation } from './operations.js';
import type { SdStore } from './store.js';
import { copenhagenLocal, faultEnvelope } from './xml.js';

export interface SdUser {
  username: string;
  password: string;
}

export type { OpeningHours } from '../hours.js';

export const DEFAULT_OPENING_HOURS: OpeningHours = { open: '06:05', close: '21:55' };

/** What the hook (or a seeded draw) makes of one call. */
/**
 * `error`: HTTP 503 without a body SD would send (a gateway or an overloaded service: a retry
 * may pass). `fault`: SD's own HTTP 500 Fault "internal error" (a refusal: final).
 */
export type InjectedFault = 'error' | 'fault' | 'truncate' | 'closed' | 'unauthorized';

export interface SdFaultOptions {
  /** PRNG seed of the draws (default 1): the same seed fails the same calls. */
  seed?: number;
  /** Share of calls answered HTTP 503 (transient: a retry may pass). */
  errorRate?: number;
  /** Share of calls whose body is cut off mid-way and the connection closed. */
  truncateRate?: number;
  /** Decides a call's fate before the draw does: lets a test fail exactly the nth call. */
  hook?: (call: { n: number; operation: string; params: URLSearchParams }) => InjectedFault | null;
}

export interface SdSimulatorOptions {
  store: SdStore;
  /** Who may call (HTTP Basic). */
  users: SdUser | readonly SdUser[];
  /** Default 0: an ephemeral port. Listens on 127.0.0.1 only. */
  port?: number;
  /** Added before every answer (refusals too). */
  latencyMs?: number;
  /** The clock for opening hours and creationDateTime (default: the system clock). */
  clock?: () => Date;
  /** Default 06:05-21:55; null = always open. */
  openingHours?: OpeningHours | null;
  faults?: SdFaultOptions;
}

export interface SdSimulator {
  /** Base URL ending with '/', e.g. `http://127.0.0.1:PORT/sdws/`: operations are relative to it. */
  url: string;
  store: SdStore;
  /** Requests that reached an operation (authorised, known operation), faults included. */
  calls(): number;
  callsByOperation(): Record<string, number>;
  close(): Promise<void>;
}

/** The closed-hours message: integrations test for its prefix (PROTOCOL.md "Calls"). */
export const closedMessage = (h: OpeningHours): string =>
  `The webservice has failed: SD Løn is closed (opening hours ${h.open}-${h.close})`;

/** Chunk size of streamed answers (characters): big enough to keep write calls few. */
const CHUNK = 64 * 1024;
const XML_TYPE = 'text/xml; charset=utf-8';
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export async function startSdSimulator(opts: SdSimulatorOptions): Promise<SdSimulator> {
  const users = Array.isArray(opts.users) ? [...opts.users] : [opts.users as SdUser];
  if (users.length === 0) throw new Error('the SD simulator needs at least one user');
  const hours = opts.openingHours === undefined ? DEFAULT_OPENING_HOURS : opts.openingHours;
  if (hours && !(HHMM.test(hours.open) && HHMM.test(hours.close)))
    throw new Error('openingHours must be HH:MM to HH:MM');
  const clock = opts.clock ?? (() => new Date());
  const draw = injector(opts.faults);
  const hook = opts.faults?.hook;
  const latency = opts.latencyMs ?? 0;
  let calls = 0;
  const byOperation: Record<string, number> = {};

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A bug while streaming: nothing sensible can follow the part already sent.
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('simulator error');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = /^\/(?:sdws\/)?([A-Za-z0-9]+)$/.exec(url.pathname)?.[1];
    if (name === undefined || !isOperation(name)) {
      await sleep(latency);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('No such operation');
      return;
    }
    if (req.method !== 'GET') {
      await sleep(latency);
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('GET only');
      return;
    }
    if (!authorised(users, req.headers.authorization)) {
      await sleep(latency);
      unauthorised(res);
      return;
    }
    const n = ++calls;
    byOperation[name] = (byOperation[name] ?? 0) + 1;
    // One draw per call whatever the hook says, so a hook does not shift the seeded sequence.
    const drawn = draw();
    const injected = hook
      ? (hook({ n, operation: name, params: new URLSearchParams(url.search) }) ?? drawn)
      : drawn;
    await sleep(latency);
    if (injected === 'unauthorized') return unauthorised(res);
    if (injected === 'error')
      return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    if (injected === 'fault') return send(res, 500, [faultEnvelope('internal error')], false);
    const truncate = injected === 'truncate';
    const now = clock();
    if (injected === 'closed' || (hours && !isOpen(hours, now)))
      return send(res, 200, [faultEnvelope(closedMessage(hours ?? DEFAULT_OPENING_HOURS))], truncate);
    const result = runOperation(name as OperationName, url.searchParams, { store: opts.store, now });
    if (!result.ok) return send(res, 500, [faultEnvelope(result.message, 'soap:Client')], truncate);
    return send(res, 200, result.chunks, truncate);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sdws/`,
    store: opts.store,
    calls: () => calls,
    callsByOperation: () => ({ ...byOperation }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Streams the pieces in CHUNK-sized writes, waiting for 'drain' when the socket is full. */
async function send(
  res: ServerResponse,
  status: number,
  pieces: Iterable<string>,
  truncate: boolean,
): Promise<void> {
  res.writeHead(status, { 'content-type': XML_TYPE });
  let buf = '';
  for (const piece of pieces) {
    buf += piece;
    if (buf.length < CHUNK) continue;
    if (truncate) return cut(res, buf);
    const ok = res.write(buf);
    buf = '';
    if (!ok) await drained(res);
    if (res.destroyed) return; // the client went away: stop producing
  }
  if (truncate) return cut(res, buf);
  res.end(buf);
}

/** Writes half of `buf`, then drops the connection once that half is on its way. */
function cut(res: ServerResponse, buf: string): void {
  res.write(buf.slice(0, Math.max(1, Math.floor(buf.length / 2))), () => res.destroy());
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function unauthorised(res: ServerResponse): void {
  res
    .writeHead(401, { 'www-authenticate': 'Basic realm="SD Loen"', 'content-type': 'text/plain' })
    .end('Unauthorized');
}

function authorised(users: readonly SdUser[], header: string | undefined): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return users.some((u) => u.username === username && u.password === password);
}

/** Open from `open` (inclusive) to `close` (exclusive), Copenhagen time; a window may span midnight. */
export function isOpen(h: OpeningHours, at: Date): boolean {
  return openAt(h, copenhagenLocal(at).slice(11, 16));
}

function injector(o: SdFaultOptions | undefined): () => InjectedFault | null {
  const error = o?.errorRate ?? 0;
  const truncate = o?.truncateRate ?? 0;
  for (const [name, rate] of Object.entries({ errorRate: error, truncateRate: truncate }))
    if (!(rate >= 0 && rate <= 1)) throw new Error(`faults: ${name} must be between 0 and 1, got ${rate}`);
  if (error + truncate > 1) throw new Error('faults: errorRate and truncateRate add up to more than 1');
  const next = prng(o?.seed ?? 1);
  return () => {
    const r = next();
    if (r < error) return 'error';
    if (r < error + truncate) return 'truncate';
    return null;
  };
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
