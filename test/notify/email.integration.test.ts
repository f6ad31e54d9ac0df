import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotifyConfig } from '../../src/notify/config.js';
import { formatEmailText } from '../../src/notify/email.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { captureLog, closedPort, sampleEvent, startSmtp } from './helpers.js';

const PASSWORD = 'smtp-pw-3e8d61c0';
beforeAll(() => {
  process.env['ORGSYNC_TEST_SMTP_PASSWORD'] = PASSWORD;
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function smtp(options: Parameters<typeof startSmtp>[0] = {}) {
  const server = await startSmtp(options);
  closers.push(server.close);
  return server;
}

function setup(email: Record<string, unknown>) {
  const log = captureLog();
  const config = NotifyConfig.parse({
    email: {
      host: '127.0.0.1',
      from: 'orgsync@kommune.example',
      to: ['drift@kommune.example', 'it-vagt@kommune.example'],
      timeoutMs: 2000,
      ...email,
    },
  });
  const notifier = createNotifier(config, log.logger);
  closers.push(() => notifier.close());
  return { notifier, log };
}

const withAuth = { user: 'orgsync', password: { env: 'ORGSYNC_TEST_SMTP_PASSWORD' } };

describe('e-mail notification', () => {
  it('sends a plain-text mail naming the run and each target', async () => {
    const server = await smtp();
    const { notifier, log } = setup({ port: server.port });

    await notifier.notify(sampleEvent());

    expect(server.mails).toHaveLength(1);
    const mail = server.mails[0]!;
    expect(mail.from).toBe('orgsync@kommune.example');
    expect(mail.to).toEqual(['drift@kommune.example', 'it-vagt@kommune.example']);
    expect(mail.raw).toContain('Subject: orgsync: target ad blocked by its safety thresholds');
    expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
    expect(mail.raw).toContain('Run:     run-0042');
    expect(mail.raw).toContain('ad: blocked (0 applied, 0 failed)');
    expect(mail.raw).toContain('- disables 120 persons, over 50');
    expect(mail.raw).toContain('Link:    http://127.0.0.1:8480/#run/run-0042');
    expect(log.warnings()).toEqual([]);
    expect(log.entries().some((e) => e.msg === 'email notification sent')).toBe(true);
  });

  it('logs in with the user and password from the configuration', async () => {
    const logins: Array<{ method: string; username?: string; password?: string | null }> = [];
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, done) {
        logins.push({ method: auth.method, username: auth.username, password: auth.password });
        if (auth.username === 'orgsync' && auth.password === PASSWORD) return done(null, { user: 'orgsync' });
        return done(new Error('Invalid username or password'));
      },
    });
    const { notifier, log } = setup({ port: server.port, ...withAuth });

    await notifier.notify(sampleEvent());

    expect(logins).toEqual([
      { method: expect.stringMatching(/^(PLAIN|LOGIN)$/), username: 'orgsync', password: PASSWORD },
    ]);
    expect(server.mails).toHaveLength(1);
    expect(log.warnings()).toEqual([]);
  });

  it('resolves and warns, without the password, when the login is refused', async () => {
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_auth, _session, done) => done(new Error('Invalid username or password')),
    });
    const { notifier, log } = setup({ port: server.port, ...withAuth });

    await expect(notifier.notify(sampleEvent())).resolves.toBeUndefined();

    expect(server.mails).toHaveLength(0);
    const [warning] = log.warnings();
    expect(warning).toMatchObject({ channel: 'email', kind: 'target-blocked', runId: 'run-0042' });
    expect(warning).toHaveProperty('reason', expect.stringContaining('535'));
    expect(log.text()).not.toContain(PASSWORD);
    expect(log.text()).not.toContain(Buffer.from(`\u0000orgsync\u0000${PASSWORD}`).toString('base64'));
  });

  it('resolves and warns when the server is down', async () => {
    const { notifier, log } = setup({ port: await closedPort() });

    await expect(notifier.notify(sampleEvent())).resolves.toBeUndefined();

    expect(log.warnings()[0]).toHaveProperty('reason', expect.stringContaining('ECONNREFUSED'));
  });

  it('does not send in clear text when requireTls is set and the server has no STARTTLS', async () => {
    const server = await smtp();
    const { notifier, log } = setup({ port: server.port, requireTls: true });

    await notifier.notify(sampleEvent());

    expect(server.mails).toHaveLength(0);
    expect(log.warnings()).toHaveLength(1);
    expect(log.warnings()[0]).toHaveProperty('reason', expect.stringContaining('STARTTLS'));
  });

  it('writes the run error and a failed target into the body', () => {
    const text = formatEmailText(
      sampleEvent({
        kind: 'run-failed',
        url: undefined,
        error: { code: 'ORGSYNC_SOURCE_UNAVAILABLE', message: 'HR export not found' },
        targets: [{ name: 'fk', status: 'failed', error: 'FK Organisation answered 503' }],
      }),
    );
    expect(text).toContain('Run error: ORGSYNC_SOURCE_UNAVAILABLE: HR export not found');
    expect(text).toContain('  fk: failed\n    error: FK Organisation answered 503');
    expect(text).not.toContain('Link:');
  });
});
