/**
 * Tells the configured channels about a finished run. A notification is a side effect of a
 * run, never part of it: `notify` resolves whatever happens, and a channel that fails is a
 * warning in the log (channel, event kind, run id and a reason with no secret in it), so a
 * broken mail server can never turn a good run into a failed one.
 */
import type { Logger } from 'pino';
import type { Sleep } from '../apply/retry.js';
import { type Channel, NotifyFailure } from './channel.js';
import type { NotifyConfig } from './config.js';
import { createEmailChannel } from './email.js';
import type { NotifyEvent } from './event.js';
import { createWebhookChannel } from './webhook.js';

export interface Notifier {
  /** Sends to every channel that wants this kind of event, in parallel. Never rejects. */
  notify(event: NotifyEvent): Promise<void>;
  close(): Promise<void>;
}

/** Does nothing: for tests, the CLI and a worker with no channel configured. */
export const notifierOff: Notifier = {
  notify: async () => {},
  close: async () => {},
};

export function createNotifier(config: NotifyConfig, logger: Logger, opts: { sleep?: Sleep } = {}): Notifier {
  const channels: Channel[] = [];
  if (config.webhook) channels.push(createWebhookChannel(config.webhook, { logger, sleep: opts.sleep }));
  if (config.email) channels.push(createEmailChannel(config.email));
  if (channels.length === 0) return notifierOff;

  return {
    async notify(event) {
      const wanted = channels.filter((c) => c.on.includes(event.kind));
      await Promise.all(wanted.map((c) => deliver(c, event, logger)));
    },
    async close() {
      await Promise.allSettled(channels.map((c) => c.close()));
    },
  };
}

async function deliver(channel: Channel, event: NotifyEvent, logger: Logger): Promise<void> {
  const fields = { channel: channel.name, kind: event.kind, runId: event.runId };
  try {
    await channel.send(event);
    logger.info(fields, `${channel.name} notification sent`);
  } catch (e) {
    // Only a NotifyFailure's message is known to be clean; anything else is a bug here,
    // and its message could quote a URL or a server's words, so it is named, not quoted.
    const reason = e instanceof NotifyFailure ? e.message : `unexpected ${(e as Error)?.name ?? typeof e}`;
    logger.warn(
      { ...fields, reason },
      `${channel.name} notification for run ${event.runId} failed: ${reason}`,
    );
  }
}
