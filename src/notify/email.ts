/**
 * E-mail channel: the event as a short plain-text message over SMTP (nodemailer). One
 * attempt per notification: a mail server that accepted the message queues and retries on
 * its own, and the worker should not wait long on one it cannot reach. A failure comes back
 * as a `NotifyFailure` with the password scrubbed out of the server's words.
 */
import { createTransport } from 'nodemailer';
import { type Channel, NotifyFailure } from './channel.js';
import type { EmailConfig } from './config.js';
import type { NotifyEvent } from './event.js';

export function createEmailChannel(config: EmailConfig): Channel {
  const password = config.password?.reveal();
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    auth:
      config.user !== undefined && password !== undefined ? { user: config.user, pass: password } : undefined,
    // One budget for each wait: the connect, the greeting and any silence mid-session
    // (nodemailer's defaults are 2 minutes, 30 s and 10 minutes).
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  const server = `SMTP ${config.host}:${config.port}`;
  return {
    name: 'email',
    on: config.on,
    async send(event: NotifyEvent) {
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: event.title,
          text: formatEmailText(event),
        });
      } catch (e) {
        throw new NotifyFailure(`${server}: ${smtpReason(e, password)}`);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** The body: what happened, to which run, and each target's outcome. */
export function formatEmailText(event: NotifyEvent): string {
  const lines = [event.title, '', `Event:   ${event.kind}`, `Run:     ${event.runId}`];
  lines.push(`Trigger: ${event.trigger}`, `Time:    ${event.at}`);
  if (event.url) lines.push(`Link:    ${event.url}`);
  if (event.error) lines.push('', `Run error: ${event.error.code}: ${event.error.message}`);
  if (event.targets.length > 0) lines.push('', 'Targets:');
  for (const t of event.targets) {
    const counts = [
      t.applied === undefined ? undefined : `${t.applied} applied`,
      t.failed === undefined ? undefined : `${t.failed} failed`,
    ].filter((c) => c !== undefined);
    lines.push(`  ${t.name}: ${t.status}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`);
    for (const reason of t.reasons ?? []) lines.push(`    - ${reason}`);
    if (t.error) lines.push(`    error: ${t.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/** nodemailer's code and message on one line, with the password taken out should a server echo it. */
function smtpReason(e: unknown, password: string | undefined): string {
  const err = e as { code?: string; message?: string };
  let text = `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`;
  // Scrub before cutting, so no part of the password survives at the cut.
  if (password) text = text.split(password).join('[redacted]');
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
