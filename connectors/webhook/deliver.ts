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
 * - final, about the content (400/404/409/422...): the batch fails, the changes that wait for
 *   any of its changes are skipped, the others are sent.
 * Retries are the executor's alone (the target's `retry` block), never doubled here.
 */
import type { ApplyContext, TargetContext } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import { judge } from './answers.js';
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

/** Every string value a batch carries: what a receiver's error text must not repeat into our logs. */
function sentValues(batch: readonly Change[]): string[] {
  return batch.flatMap((c) =>
    c.attrs.flatMap((a) => (typeof a.new === 'string' ? [a.new] : Array.isArray(a.new) ? [...a.new] : [])),
  );
}

export async function applyChanges(
  receiver: Receiver,
  ctx: TargetContext,
  changes: readonly Change[],
  { runId, signal }: ApplyContext,
  batchSize: number,
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
  let cursor = 0;
  /** Once set, nothing more is sent; every change left gets this result (unless blocked). */
  let rest: ((c: Change) => ChangeResult) | undefined;

  while (cursor < changes.length) {
    // The next batch: up to batchSize changes whose dependencies did not fail here.
    const batch: Change[] = [];
    while (cursor < changes.length && batch.length < batchSize) {
      const c = changes[cursor++]!;
      const blocker = c.after.find(finallyFailed);
      if (blocker !== undefined) {
        const why = results.get(blocker)!.status;
        results.set(c.id, {
          changeId: c.id,
          status: 'skipped',
          message: `not sent: ${blocker} it waits for was ${why}`,
        });
      } else if (rest) {
        results.set(c.id, rest(c));
      } else if (signal.aborted) {
        results.set(c.id, { changeId: c.id, status: 'skipped', message: 'not sent: the run was stopped' });
      } else {
        batch.push(c);
      }
    }
    if (batch.length === 0) continue;

    const encoded = encodeChangeSet(ctx.instance, runId, batch);
    const started = Date.now();
    const verdict = judge(await receiver.send(encoded), [...sentValues(batch), ...receiver.credentials]);
    const where = {
      url: safe,
      changes: batch.length,
      idempotencyKey: encoded.idempotencyKey,
      ms: Date.now() - started,
    };
    if (verdict.ok) {
      ctx.logger.info(where, 'change set delivered');
      for (const c of batch) results.set(c.id, { changeId: c.id, status: 'applied' });
      continue;
    }
    ctx.logger.debug({ ...where, kind: verdict.kind, reason: verdict.reason }, 'change set not delivered');
    const message = `POST ${safe} with ${batchName(batch)}: ${verdict.reason}`;

    if (verdict.kind === 'transient') {
      // Nothing decided yet: failing the whole call loses nothing, and carries Retry-After.
      if (results.size === 0) {
        throw new ConnectorError(
          'transient',
          message,
          verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {},
        );
      }
      // Some batches are stored: return their results; the receiver's wait rides on the rest.
      const wait = verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {};
      rest = (c) => ({
        changeId: c.id,
        status: 'failed',
        errorKind: 'transient',
        message: `not sent yet: the batch with ${batchName(batch)} before it failed (${verdict.reason})`,
        ...wait,
      });
      for (const c of batch)
        results.set(c.id, { changeId: c.id, status: 'failed', errorKind: 'transient', message, ...wait });
      continue;
    } else if (verdict.stopsAll) {
      rest = (c) => ({
        changeId: c.id,
        status: 'skipped',
        message: `not sent: the receiver refused the batch with ${batchName(batch)} (${verdict.kind})`,
      });
    }
    for (const c of batch) {
      results.set(c.id, { changeId: c.id, status: 'failed', errorKind: verdict.kind, message });
    }
  }
  return changes.map((c) => results.get(c.id)!);
}
