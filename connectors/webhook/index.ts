/**
 * Webhook target: each run's changes are POSTed as JSON change sets to a receiver someone
 * wrote for a line-of-business system, signed with HMAC-SHA256 and carrying an idempotency
 * key. The receiver is a black box that cannot be read, so the engine plans from what it
 * last applied (its state store). See README.md for the format and the receiver's duties.
 */
import {
  defineTarget,
  type PendingChange,
  type TargetContext,
  type TargetSession,
} from '../../src/sdk/connector.js';
import { judge } from './answers.js';
import { encodePing } from './body.js';
import { WebhookTargetConfig } from './config.js';
import { applyChanges } from './deliver.js';
import { openReceiver, type Receiver } from './request.js';

export { WebhookTargetConfig } from './config.js';

export const webhookTarget = defineTarget({
  name: 'webhook',
  description: 'JSON change sets POSTed to a receiver, signed with HMAC-SHA256, with idempotency keys',
  configSchema: WebhookTargetConfig,
  // No read: what the receiver did with a change is its own business. `move` is declared so a
  // re-parented object arrives as one move, not as a delete and a create.
  capabilities: { create: true, update: true, move: true, disable: true, delete: true },
  objectTypes: ['unit', 'person', 'position'],
  // The whole change set at once, so it can be cut into batches of batchSize, sent in plan order.
  batch: 'all',
  open(config: WebhookTargetConfig, ctx: TargetContext): TargetSession {
    const receiver = openReceiver(config);
    return {
      check: () => checkReceiver(receiver, ctx),
      apply: (changes, applyCtx) =>
        applyChanges(receiver, ctx, changes, applyCtx, config.batchSize, config.showReceiverText),
      recover: async (pending) => recoverPending(pending, ctx),
    };
  },
});

/**
 * A signed `{"kind":"ping"}` POST, which a receiver answers 2xx without storing anything. It
 * proves more than a HEAD would: the address, TLS, the token, and that the receiver accepts
 * our signature. A receiver that does not know pings answers 4xx, and the message says so.
 */
async function checkReceiver(receiver: Receiver, ctx: TargetContext) {
  const { safe } = receiver.endpoint;
  // A ping carries no personal data for the receiver to echo: its words are shown (cleaned).
  const verdict = judge(await receiver.send(encodePing(ctx.instance)), receiver.credentials, true);
  if (verdict.ok) return { ok: true, message: `the receiver at ${safe} accepted a signed ping` };
  const advice: Partial<Record<string, string>> = {
    permission:
      "it refused the signature or the token: check secret, bearerToken and headers against the receiver's",
    'invalid-value': 'it must answer a body of kind "ping" with 2xx and store nothing (see the README)',
    'not-found': 'check url',
    conflict: 'it must answer a body of kind "ping" with 2xx and store nothing (see the README)',
  };
  const hint = advice[verdict.kind];
  return {
    ok: false,
    message: `ping ${safe}: ${hint ? `${verdict.answer}; ${hint}` : verdict.reason}`,
  };
}

/**
 * Changes whose outcome a crash lost: the receiver cannot be asked, and the values are not
 * kept to send the same body again, so none counts as arrived. They are planned and sent
 * again in the next run, under that run's keys: at least once, never lost. The receiver
 * applies every change by object key, so one that did arrive before is applied again harmlessly.
 */
function recoverPending(pending: readonly PendingChange[], ctx: TargetContext): Map<string, boolean> {
  if (pending.length > 0) {
    ctx.logger.info(
      { changes: pending.length },
      'changes of an interrupted run may or may not have reached the receiver: they are sent again',
    );
  }
  return new Map(pending.map((p) => [p.change.id, false]));
}
