/**
 * What the notifier needs of a channel, and the one error a channel fails with. A channel
 * turns every failure into a `NotifyFailure` whose message it built itself, because the
 * libraries' own messages can carry what must stay on this machine (node-fetch puts the
 * whole URL, query and all, into its errors).
 */
import type { NotifyEventKind } from './config.js';
import type { NotifyEvent } from './event.js';

export interface Channel {
  readonly name: 'webhook' | 'email';
  /** The event kinds this channel is told about. */
  readonly on: readonly NotifyEventKind[];
  /** Delivers the event or rejects with a `NotifyFailure`. */
  send(event: NotifyEvent): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery; `message` is safe to log (no secret, no URL userinfo or query). */
export class NotifyFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyFailure';
  }
}
