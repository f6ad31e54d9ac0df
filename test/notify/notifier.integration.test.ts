import { afterEach, describe, expect, it } from 'vitest';
import { NotifyConfig } from '../../src/notify/config.js';
import { createNotifier, notifierOff } from '../../src/notify/notifier.js';
import { captureLog, closedPort, recordingSleep, sampleEvent, startHttp, startSmtp } from './helpers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const emailTo = (port: number, on?: string[]) => ({
  host: '127.0.0.1',
  port,
  from: 'orgsync@kommune.example',
  to: ['drift@kommune.example'],
  timeoutMs: 2000,
  ...(on ? { on } : {}),
});

describe('notifier', () => {
  it('sends to both channels when both want the event', async () => {
    const http = await startHttp(() => undefined);
    const smtp = await startSmtp();
    closers.push(http.close, smtp.close);
    const log = captureLog();
    const config = NotifyConfig.parse({ webhook: { url: http.url }, email: emailTo(smtp.port) });
    const notifier = createNotifier(config, log.logger);
    closers.push(() => notifier.close());

    await notifier.notify(sampleEvent({ kind: 'run-failed' }));

    expect(http.seen).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(log.warnings()).toEqual([]);
  });

  it('a failing channel does not stop the other one', async () => {
    const http = await startHttp(() => undefined);
    closers.push(http.close);
    const log = captureLog();
    const config = NotifyConfig.parse({ webhook: { url: http.url }, email: emailTo(await closedPort()) });
    const notifier = createNotifier(config, log.logger, recordingSleep());

    await expect(notifier.notify(sampleEvent())).resolves.toBeUndefined();

    expect(http.seen).toHaveLength(1);
    expect(log.warnings()).toEqual([expect.objectContaining({ channel: 'email', kind: 'target-blocked' })]);
  });

  it('asks each channel only about the kinds in its own `on`', async () => {
    const http = await startHttp(() => undefined);
    const smtp = await startSmtp();
    closers.push(http.close, smtp.close);
    const config = NotifyConfig.parse({
      webhook: { url: http.url, on: ['run-recovered'] },
      email: emailTo(smtp.port, ['run-failed']),
    });
    const notifier = createNotifier(config, captureLog().logger);
    closers.push(() => notifier.close());

    await notifier.notify(sampleEvent({ kind: 'run-recovered' }));

    expect(http.seen).toHaveLength(1);
    expect(smtp.mails).toHaveLength(0);
  });

  it('does nothing with no channel configured', async () => {
    const log = captureLog();
    const notifier = createNotifier(NotifyConfig.parse({}), log.logger);
    expect(notifier).toBe(notifierOff);
    await notifier.notify(sampleEvent());
    await notifier.close();
    expect(log.text()).toBe('');
  });
});
