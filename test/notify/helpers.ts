/**
 * Real local receivers for the notify tests (an HTTP server, an SMTP server), a pino logger
 * whose lines the test can read, and a sample event. Everything binds to 127.0.0.1 port 0.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { NotifyEvent } from '../../src/notify/event.js';

export function sampleEvent(over: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    kind: 'target-blocked',
    title: 'orgsync: target ad blocked by its safety thresholds',
    runId: 'run-0042',
    trigger: 'schedule:nightly',
    url: 'http://127.0.0.1:8480/#run/run-0042',
    at: '2026-03-02T02:00:00.000Z',
    targets: [
      { name: 'ad', status: 'blocked', applied: 0, failed: 0, reasons: ['disables 120 persons, over 50'] },
      { name: 'lob-csv', status: 'applied', applied: 12, failed: 0 },
    ],
    ...over,
  };
}

/** A debug-level pino logger (no redaction: the code must not rely on it) and its output. */
export function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    text: () => lines.join(''),
    entries: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown }),
    warnings: () =>
      lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((e) => e.level === 40),
  };
}

/** Records each delay instead of waiting it out. */
export function recordingSleep() {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return { delays, sleep };
}

export interface HttpRequestSeen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An HTTP receiver. `answer` gets the request number (from 1) and writes the reply;
 * returning 'hang' leaves the request unanswered.
 */
export async function startHttp(answer: (n: number, res: ServerResponse) => 'hang' | undefined) {
  const seen: HttpRequestSeen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (answer(seen.length, res) !== 'hang' && !res.writableEnded) res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface MailSeen {
  from: string | undefined;
  to: string[];
  /** The message as received, with quoted-printable soft line breaks undone. */
  raw: string;
}

/** An SMTP receiver without STARTTLS; `options` may add authentication. */
export async function startSmtp(options: SMTPServerOptions = {}) {
  const mails: MailSeen[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 1000,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push({
          from,
          to,
          raw: Buffer.concat(chunks)
            .toString('utf8')
            .replace(/=\r?\n/g, ''),
        });
        done();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port on 127.0.0.1 that nothing listens on (taken, then let go). */
export { freePort as closedPort } from '../support/ports.js';
