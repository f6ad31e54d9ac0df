/**
 * A reference receiver for the webhook target's tests: a real HTTP server (the notify tests'
 * startHttp) that does what the README's receiver checklist asks (verify the signature over
 * the exact bytes, check the timestamp window, dedupe by idempotency key, store a change set
 * whole or not at all, apply by object key, answer 2xx only after storing). Tests can also
 * script its next answers (a 503, a 429 with Retry-After) to see what the connector does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AttrValue } from '../../../src/sdk/types.js';
import { type HttpRequestSeen, startHttp } from '../../../test/notify/helpers.js';
import type { ChangeSetBody } from '../body.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../request.js';

/** A request as received (its exact body bytes) and what the receiver answered. */
export interface SeenRequest extends HttpRequestSeen {
  status: number;
}

export interface StoredObject {
  type: string;
  key: string;
  parentKey: string | null;
  attrs: Record<string, AttrValue>;
  disabled: boolean;
}

export interface ScriptedAnswer {
  /** 0: no answer at all (the request hangs until the receiver closes). */
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Seconds a signed timestamp may be off from the receiver's clock, either way. */
export const TOLERANCE_SECONDS = 300;

export interface ReferenceReceiver {
  url: string;
  seen: SeenRequest[];
  /** type:key -> object, as the receiver holds it. */
  objects: Map<string, StoredObject>;
  /**
   * Answers the next requests with these instead of handling them (nothing is stored);
   * null lets that request be handled as usual.
   */
  script(...answers: (ScriptedAnswer | null)[]): void;
  /**
   * Refuses (422, naming the object and quoting `quote`) every change set that holds a change
   * this returns true for, as a receiver that cannot store one change refuses its whole batch.
   */
  refuse(which: ((c: ChangeSetBody['changes'][number]) => boolean) | null, quote?: string): void;
  /** Forgets the objects, the keys it saw and the requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startReceiver(secret: string): Promise<ReferenceReceiver> {
  const seen: SeenRequest[] = [];
  let objects = new Map<string, StoredObject>();
  const keys = new Set<string>();
  const scripted: (ScriptedAnswer | null)[] = [];
  let refusing: { which: (c: ChangeSetBody['changes'][number]) => boolean; quote: string } | null = null;

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
    return status;
  };

  const handle = (headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse): number => {
    const next = scripted.shift() ?? null;
    if (next?.status === 0) return 0;
    if (next) {
      res.writeHead(next.status, next.headers ?? {});
      res.end(next.body);
      return next.status;
    }
    // 1. The signature, over the timestamp and the exact bytes, before anything is parsed.
    const timestamp = String(headers[TIMESTAMP_HEADER] ?? '');
    const given = Buffer.from(String(headers[SIGNATURE_HEADER] ?? ''));
    const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
    const expected = Buffer.from(`sha256=${mac}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return answer(res, 401, { error: 'bad signature' });
    // 2. The timestamp window: a captured request replayed later is refused.
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS)
      return answer(res, 401, { error: 'timestamp outside the window' });
    const parsed = JSON.parse(body.toString('utf8')) as { kind: string };
    if (parsed.kind === 'ping') return answer(res, 204, undefined);
    if (parsed.kind !== 'changes') return answer(res, 400, { error: `unknown kind ${parsed.kind}` });
    // 3. A key seen before: answer as before, store nothing again.
    const key = String(headers['idempotency-key'] ?? '');
    if (keys.has(key)) return answer(res, 200, { duplicate: true });
    // 4. The whole change set or nothing: apply to a copy, keep it only if every change fits.
    const after = new Map(objects);
    for (const c of (parsed as ChangeSetBody).changes) {
      if (refusing?.which(c))
        return answer(res, 422, { detail: `${c.type} ${c.key}: ${refusing.quote || 'refused'}` });
      const id = `${c.type}:${c.key}`;
      const held = after.get(id);
      if (c.action === 'create' || c.action === 'replace') {
        after.set(id, {
          type: c.type,
          key: c.key,
          parentKey: c.parentKey,
          attrs: { ...c.attrs },
          disabled: false,
        });
      } else if (c.action === 'delete') {
        after.delete(id);
      } else if (!held) {
        // An update carries only what changed: it cannot make a whole object.
        return answer(res, 404, { detail: `${c.type} ${c.key} is not here (${JSON.stringify(c.attrs)})` });
      } else {
        after.set(id, {
          ...held,
          parentKey: c.action === 'move' ? c.parentKey : held.parentKey,
          attrs: { ...held.attrs, ...c.attrs },
          disabled: c.action === 'disable' ? true : c.enable ? false : held.disabled,
        });
      }
    }
    // 5. Stored, then answered.
    objects = after;
    keys.add(key);
    return answer(res, 200, { stored: (parsed as ChangeSetBody).changes.length });
  };

  const http = await startHttp((n, res) => {
    const request = http.seen[n - 1]!;
    const status = handle(request.headers, request.body, res);
    seen.push({ ...request, status });
    return status === 0 ? 'hang' : undefined;
  });
  return {
    url: http.url,
    seen,
    get objects() {
      return objects;
    },
    script: (...answers) => {
      scripted.push(...answers);
    },
    refuse: (which, quote = '') => {
      refusing = which ? { which, quote } : null;
    },
    reset: () => {
      objects = new Map();
      keys.clear();
      seen.length = 0;
      http.seen.length = 0; // the request number startHttp passes counts from here again
      scripted.length = 0;
      refusing = null;
    },
    close: http.close,
  };
}
