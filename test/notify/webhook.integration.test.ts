import { createHmac } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotifyConfig } from '../../src/notify/config.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { parseRetryAfter } from '../../src/notify/webhook.js';
import { captureLog, closedPort, recordingSleep, sampleEvent, startHttp } from './helpers.js';

const SECRET = 'whsec-7f3a9c1e5b2d8046';
beforeAll(() => {
  process.env['ORGSYNC_TEST_WEBHOOK_SECRET'] = SECRET;
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function receiver(answer: Parameters<typeof startHttp>[0]) {
  const http = await startHttp(answer);
  closers.push(http.close);
  return http;
}

function setup(webhook: Record<string, unknown>) {
  const log = captureLog();
  const { delays, sleep } = recordingSleep();
  const config = NotifyConfig.parse({
    webhook: { secret: { env: 'ORGSYNC_TEST_WEBHOOK_SECRET' }, ...webhook },
  });
  const notifier = createNotifier(config, log.logger, { sleep });
  closers.push(() => notifier.close());
  return { notifier, log, delays };
}

const status =
  (...codes: number[]) =>
  (n: number, res: import('node:http').ServerResponse) => {
    res.statusCode = codes[Math.min(n, codes.length) - 1] ?? 200;
    return undefined;
  };

describe('webhook notification', () => {
  it('POSTs the event as JSON, signed with the secret', async () => {
    const http = await receiver(status(204));
    const { notifier, log } = setup({ url: `${http.url}/hooks/orgsync` });
    const event = sampleEvent();

    await notifier.notify(event);

    expect(http.seen).toHaveLength(1);
    const req = http.seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/orgsync');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('orgsync');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual(event);
    const expected = createHmac('sha256', SECRET).update(req.body).digest('hex');
    expect(req.headers['x-orgsync-signature']).toBe(`sha256=${expected}`);
    expect(Number(req.headers['x-orgsync-timestamp'])).toBeGreaterThan(1_700_000_000);
    expect(req.headers['idempotency-key']).toBe('run-0042:target-blocked');
    expect(log.warnings()).toEqual([]);
    expect(log.entries().some((e) => e.msg === 'webhook notification sent')).toBe(true);
  });

  it('sends no signature headers without a secret', async () => {
    const http = await receiver(status(200));
    const log = captureLog();
    const notifier = createNotifier(NotifyConfig.parse({ webhook: { url: http.url } }), log.logger);
    await notifier.notify(sampleEvent());
    expect(http.seen[0]!.headers['x-orgsync-signature']).toBeUndefined();
    expect(http.seen[0]!.headers['idempotency-key']).toBe('run-0042:target-blocked');
  });

  it('retries a 500 with backoff, with the same body and idempotency key, and delivers once', async () => {
    const http = await receiver(status(500, 503, 200));
    const { notifier, log, delays } = setup({ url: http.url });

    await notifier.notify(sampleEvent());

    expect(http.seen).toHaveLength(3);
    expect(delays).toEqual([500, 1000]);
    expect(new Set(http.seen.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(['run-0042:target-blocked']),
    );
    expect(new Set(http.seen.map((r) => r.body.toString()))).toHaveProperty('size', 1);
    expect(log.warnings()).toEqual([]);
  });

  it('does not retry a 400, and warns', async () => {
    const http = await receiver(status(400));
    const { notifier, log, delays } = setup({ url: http.url });

    await expect(notifier.notify(sampleEvent())).resolves.toBeUndefined();

    expect(http.seen).toHaveLength(1);
    expect(delays).toEqual([]);
    const [warning] = log.warnings();
    expect(warning).toMatchObject({ channel: 'webhook', kind: 'target-blocked', runId: 'run-0042' });
    expect(warning).toHaveProperty('reason', expect.stringContaining('answered 400'));
  });

  it('honours Retry-After on a 429, capped at 30 s', async () => {
    const http = await receiver((n, res) => {
      if (n < 3) {
        res.statusCode = 429;
        res.setHeader('retry-after', n === 1 ? '120' : '7');
      }
      return undefined;
    });
    const { notifier, log, delays } = setup({ url: http.url });

    await notifier.notify(sampleEvent());

    expect(http.seen).toHaveLength(3);
    expect(delays).toEqual([30_000, 7_000]);
    expect(log.warnings()).toEqual([]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const inTen = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())!;
    expect(inTen).toBeGreaterThan(8000);
    expect(inTen).toBeLessThanOrEqual(10_000);
  });

  it('times out on a receiver that never answers, gives up after its attempts and resolves', async () => {
    const http = await receiver(() => 'hang');
    const { notifier, log, delays } = setup({ url: http.url, timeoutMs: 100, attempts: 2 });

    await expect(notifier.notify(sampleEvent())).resolves.toBeUndefined();

    expect(http.seen).toHaveLength(2);
    expect(delays).toEqual([500]);
    const [warning] = log.warnings();
    expect(warning).toHaveProperty('reason', expect.stringContaining('no answer within 100 ms (2 attempts)'));
  });

  it('warns when nothing listens', async () => {
    const port = await closedPort();
    const { notifier, log } = setup({ url: `http://127.0.0.1:${port}/x`, attempts: 1 });
    await notifier.notify(sampleEvent());
    expect(log.warnings()[0]).toHaveProperty('reason', expect.stringContaining('ECONNREFUSED'));
  });

  it('keeps the secret, the userinfo and the query out of every log line', async () => {
    const http = await receiver(status(500));
    const { notifier, log } = setup({
      url: `http://hookuser:hookpass-91b2@${http.url.slice('http://'.length)}/in?token=tok-55d1e0`,
    });

    await notifier.notify(sampleEvent());

    expect(http.seen).toHaveLength(3);
    // Userinfo travels as Basic authorization (node-fetch refuses it in the URL), the query as is.
    expect(http.seen[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('hookuser:hookpass-91b2').toString('base64')}`,
    );
    expect(http.seen[0]!.path).toBe('/in?token=tok-55d1e0');
    const text = log.text();
    expect(log.entries().filter((e) => e.level === 20)).toHaveLength(2);
    expect(log.warnings()).toHaveLength(1);
    expect(text).toContain(http.url);
    expect(text).not.toContain(`${http.url}/in`); // the path may hold a token too
    for (const leak of [SECRET, 'hookuser', 'hookpass', 'tok-55d1e0', 'token='])
      expect(text).not.toContain(leak);
  });

  it('sends only the kinds listed in `on`', async () => {
    const http = await receiver(status(200));
    const { notifier } = setup({ url: http.url, on: ['run-failed'] });

    await notifier.notify(sampleEvent({ kind: 'target-blocked' }));
    expect(http.seen).toHaveLength(0);
    await notifier.notify(sampleEvent({ kind: 'run-failed' }));
    expect(http.seen).toHaveLength(1);
  });
});
