import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/log/logger.js';
import { secret } from '../../src/sdk/secret.js';
import { makePseudonymizer } from '../../src/util/pseudonym.js';

const capture = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination: stream }) };
};

describe('privacy', () => {
  it('redacts CPR numbers, passwords and tokens wherever they sit in a logged object', () => {
    const { lines, logger } = capture();
    logger.info(
      { cpr: '0101801234', person: { cpr: '0202802345' }, config: { password: 'hunter2', token: 't0k' } },
      'hello',
    );
    const out = lines.join('');
    for (const leaked of ['0101801234', '0202802345', 'hunter2', 't0k']) expect(out).not.toContain(leaked);
    expect(out).toContain('[redacted]');
  });

  it('keeps secret values out of every printable form', () => {
    process.env['ORGSYNC_TEST_SECRET'] = 's3cret-value';
    const schema = z.object({ password: secret() });
    const cfg = schema.parse({ password: { env: 'ORGSYNC_TEST_SECRET' } });
    expect(cfg.password.reveal()).toBe('s3cret-value');
    const { lines, logger } = capture();
    logger.info({ settings: cfg }, 'config loaded');
    for (const text of [JSON.stringify(cfg), String(cfg.password), inspect(cfg), lines.join('')]) {
      expect(text).not.toContain('s3cret-value');
    }
  });

  it('names a missing secret without revealing anything', () => {
    const r = z.object({ p: secret() }).safeParse({ p: { env: 'ORGSYNC_NOT_SET_ANYWHERE' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('ORGSYNC_NOT_SET_ANYWHERE is not set');
  });

  it('keys persons by a keyed hash of the CPR: stable, key-dependent, and not the CPR', () => {
    const a = makePseudonymizer('key-a');
    const b = makePseudonymizer('key-b');
    expect(a('010180-1234')).toBe(a('0101801234'));
    expect(a('0101801234')).not.toBe(b('0101801234'));
    expect(a('0101801234')).not.toContain('0101801234');
    expect(a('0101801234')).toMatch(/^p-[0-9a-f]{20}$/);
  });
});
