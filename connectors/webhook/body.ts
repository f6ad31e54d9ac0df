/**
 * What the webhook target POSTs: the JSON bodies (a change set, a ping) and the idempotency
 * key of a change set. A body is built once per batch and its bytes are reused on every
 * attempt, so that the signature a receiver checks, the key it dedupes by and the content
 * it stores all describe the same bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AttrValue, Change } from '../../src/sdk/types.js';

/** Bumped when a field changes meaning or goes away; new optional fields do not bump it. */
export const FORMAT_VERSION = 1;

/** One change as the receiver gets it: values in clear, since the receiver is the target system. */
export interface ChangeBody {
  id: string;
  action: Change['action'];
  type: Change['type'];
  key: string;
  parentKey: string | null;
  oldParentKey?: string | null;
  /** create: every attribute. update and move: only those that changed. disable, delete: none. */
  attrs: Record<string, AttrValue>;
  /** Names of attributes in `attrs` whose values are personal: for the receiver's own logs. */
  sensitive?: string[];
  enable?: true;
  reason: string;
}

export interface ChangeSetBody {
  version: number;
  kind: 'changes';
  /** The target's configured name: one receiver can serve several orgsync targets. */
  target: string;
  runId: string;
  changes: ChangeBody[];
}

function changeBody(c: Change): ChangeBody {
  const sensitive = c.attrs.filter((a) => a.sensitive).map((a) => a.name);
  return {
    id: c.id,
    action: c.action,
    type: c.type,
    key: c.key,
    parentKey: c.parentKey,
    ...(c.oldParentKey !== undefined && (c.action === 'move' || c.action === 'replace')
      ? { oldParentKey: c.oldParentKey }
      : {}),
    attrs: Object.fromEntries(c.attrs.map((a) => [a.name, a.new])),
    ...(sensitive.length > 0 ? { sensitive } : {}),
    ...(c.enable ? { enable: true as const } : {}),
    reason: c.reason,
  };
}

export interface EncodedBatch {
  bytes: Buffer;
  /** Same bytes, same key: on every retry, and when the same run sends the same changes again. */
  idempotencyKey: string;
}

/**
 * A batch's body and key. The key is a digest of the body, which holds the run id: the same
 * changes in the same run always get the same key, and nothing else can (another run's
 * identical change is a new event a receiver must not drop as a duplicate).
 */
export function encodeChangeSet(target: string, runId: string, changes: readonly Change[]): EncodedBatch {
  const body: ChangeSetBody = {
    version: FORMAT_VERSION,
    kind: 'changes',
    target,
    runId,
    changes: changes.map(changeBody),
  };
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const digest = createHash('sha256').update(bytes).digest('hex');
  return { bytes, idempotencyKey: `orgsync-${digest.slice(0, 48)}` };
}

/** check()'s request: signed like a change set, so a good answer also proves the key matches. */
export function encodePing(target: string): EncodedBatch {
  const body = { version: FORMAT_VERSION, kind: 'ping', target, sentAt: new Date().toISOString() };
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), idempotencyKey: `orgsync-ping-${randomUUID()}` };
}
