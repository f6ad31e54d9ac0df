/**
 * pino with path-based redaction. CPR numbers and secrets are removed wherever they sit
 * in a logged object; `Secret` values print as "[redacted]" on their own as well.
 */
import { destination, type Logger, pino } from 'pino';

export const REDACT_PATHS = [
  'cpr',
  '*.cpr',
  '*.*.cpr',
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export interface LogOptions {
  level?: string;
  /** Where JSON lines go; default stderr so stdout stays for plans and JSON output. */
  destination?: NodeJS.WritableStream | number;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const dest = opts.destination ?? 2;
  return pino(
    {
      name: 'orgsync',
      level: opts.level ?? process.env['ORGSYNC_LOG_LEVEL'] ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    typeof dest === 'number' ? destination({ fd: dest, sync: true }) : dest,
  );
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
