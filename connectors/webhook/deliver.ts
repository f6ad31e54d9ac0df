/**
 * apply(): the change set goes to the receiver in batches of `batchSize`, one POST at a time
 * and in plan order, each sent only after the one before was answered 2xx, so a receiver
 * never sees a change before those it depends on.
 *
 * When a batch fails:
 * - transient (no answer, 408/425/429/5xx): nothing more is sent in this call. The batch and
 *   every change after it fail `transient`, and the executor calls again with exactly those,
 *   in the same order: the same batches, the same bodies, the same idempotency keys. When
 *   nothing was decided yet in this call the error is thrown instead, which is the one way
 *   the executor takes a Retry-After from a connector (ChangeResult has no field for it).
 * - final, about the connection (401/403, redirect, 405/413/415): nothing more is sent; the
 *   rest is skipped and planned again in the next run.
 * - final, about the content (400/404/409/422...): the batch is split in two and each half sent
 *   again (plan order, the first half first), and so on down, until the refused changes are
 *   found and the others stored. At most 4 x log2(batch size) more POSTs per refused batch
 *   (enough to find two refused changes exactly); what is still refused then fails as a
 *   group. The changes that wait for a failed one are skipped, the others are sent. A refusal
 *   where splitting stored nothing looks like one of every change (a missing field the
 *   receiver wants): later batches of the call are then not split.
 * Retries are the executor's alone (the target's `retry` block), never doubled here.
 */
import type { ApplyContext, TargetContext } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import { type Hidden, judge } from './answers.js';
import { encodeChangeSet } from './body.js';
import type { Receiver } from './request.js';

const objectName = (c: Change) => `${c.type} ${c.key}`;

/** "unit 10" or "unit 10 and 4 more changes": how a batch is named in messages. */
function batchName(batch: readonly Change[]): string {
  const first = objectName(batch[0]!);
  return batch.length === 1
    ? first
    : `${first} and ${batch.length - 1} more change${batch.length > 2 ? 's' : ''}`;
}

/**
 * Every value a batch carries or replaces, any type: what a receiver's error text must not
 * repeat into our messages. Old values are never sent, but a receiver may quote what it holds.
 */
function batchValues(batch: readonly Change[]): Hidden[] {
  const out: Hidden[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
  };
  for (const c of batch) {
    for (const a of c.attrs) {
      add(a.new);
      add(a.old);
    }
  }
  return out;
}

/** Extra POSTs one refused batch may cost while it is split to find the refused changes. */
export const splitBudget = (size: number): number => (size > 1 ? 4 * Math.ceil(Math.log2(size)) : 0);

export async function applyChanges(
  receiver: Receiver,
  ctx: TargetContext,
  changes: readonly Change[],
  { runId, signal }: ApplyContext,
  batchSize: number,
  showReceiverText = false,
): Promise<ChangeResult[]> {
  const results = new Map<string, ChangeResult>();
  // A change waits for one that failed for good here; one that failed `transient` is sent
  // again by the executor, with this change after it, so it does not block.
  const finallyFailed = (id: string) => {
    const r = results.get(id);
    return (
      r !== undefined && (r.status === 'skipped' || (r.status === 'failed' && r.errorKind !== 'transient'))
    );
  };
  const { safe } = receiver.endpoint;
  /** Once set, nothing more is sent; every change left gets this result (unless blocked). */
  let rest: ((c: Change) => ChangeResult) | undefined;
  /** Whether a refused batch is still split; off once a split stored nothing. */
  let splitting = true;

  /** The result of a change that is not to be sent, or undefined when it may be. */
  const notSent = (c: Change): ChangeResult | undefined => {
    const blocker = c.after.find(finallyFailed);
    if (blocker !== undefined) {
      const why = results.get(blocker)!.status;
      return { changeId: c.id, status: 'skipped', message: `not sent: ${blocker} it waits for was ${why}` };
    }
    if (rest) return rest(c);
    if (signal.aborted)
      return { changeId: c.id, status: 'skipped', message: 'not sent: the run was stopped' };
    return undefined;
  };
  /** The changes that may still be sent; the others get their result. */
  const sendable = (batch: readonly Change[]): Change[] =>
    batch.filter((c) => {
      const r = notSent(c);
      if (r) results.set(c.id, r);
      return r === undefined;
    });

  /** POSTs one batch, splitting it on a refusal of its content (see the top of this file). */
  const deliver = async (batch: Change[]): Promise<void> => {
    const queue: Change[][] = [batch];
    let budget = splitting ? splitBudget(batch.length) : 0;
    let split = false;
    let stored = false;
    while (queue.length > 0) {
      const part = sendable(queue.shift()!);
      if (part.length === 0) continue;
      const encoded = encodeChangeSet(ctx.instance, runId, part);
      const started = Date.now();
      const hide = [...batchValues(part), ...receiver.credentials];
      const verdict = judge(await receiver.send(encoded), hide, showReceiverText);
      const where = {
        url: safe,
        changes: part.length,
        idempotencyKey: encoded.idempotencyKey,
        ms: Date.now() - started,
      };
      if (verdict.ok) {
        ctx.logger.info(where, 'change set delivered');
        for (const c of part) results.set(c.id, { changeId: c.id, status: 'applied' });
        stored = true;
        continue;
      }
      // The status and the kind, never the receiver's text: it may quote values.
      ctx.logger.debug(
        { ...where, ...(verdict.status !== undefined ? { status: verdict.status } : {}), kind: verdict.kind },
        'change set not delivered',
      );
      const message = `POST ${safe} with ${batchName(part)}: ${verdict.reason}`;

      if (verdict.kind === 'transient') {
        // Nothing decided yet: failing the whole call loses nothing, and carries Retry-After.
        if (results.size === 0) {
          throw new ConnectorError(
            'transient',
            message,
            verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {},
          );
        }
        // Some changes are stored: return their results; the receiver's wait rides on the rest.
        const wait = verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {};
        rest = (c) => ({
          changeId: c.id,
          status: 'failed',
          errorKind: 'transient',
          message: `not sent yet: the batch with ${batchName(part)} before it failed (${verdict.reason})`,
          ...wait,
        });
        for (const c of part)
          results.set(c.id, { changeId: c.id, status: 'failed', errorKind: 'transient', message, ...wait });
        continue;
      }
      if (verdict.stopsAll) {
        rest = (c) => ({
          changeId: c.id,
          status: 'skipped',
          message: `not sent: the receiver refused the batch with ${batchName(part)} (${verdict.kind})`,
        });
      } else if (part.length > 1 && budget >= 2) {
        // Refused for its content: send each half, the first first, to find which change it is.
        budget -= 2;
        split = true;
        const half = Math.ceil(part.length / 2);
        queue.unshift(part.slice(0, half), part.slice(half));
        continue;
      }
      for (const c of part) {
        results.set(c.id, { changeId: c.id, status: 'failed', errorKind: verdict.kind, message });
      }
    }
    if (split && !stored) splitting = false;
  };

  let cursor = 0;
  while (cursor < changes.length) {
    // The next batch: up to batchSize changes whose dependencies did not fail here.
    const batch: Change[] = [];
    while (cursor < changes.length && batch.length < batchSize) {
      const c = changes[cursor++]!;
      const r = notSent(c);
      if (r) results.set(c.id, r);
      else batch.push(c);
    }
    if (batch.length > 0) await deliver(batch);
  }
  return changes.map((c) => results.get(c.id)!);
}
