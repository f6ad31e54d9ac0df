/**
 * The `worker` block of the configuration: what `orgsync serve` does on its own (schedules,
 * blackout windows), how it guards targets (locks), how it stops, its admin API and who it
 * tells when something needs a person. `orgsync run` ignores all of it but the lock.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { Name } from '../config/name.js';
import { NotifyConfig } from '../notify/config.js';
import { lazySecret, type Secret } from '../sdk/secret.js';

/** Whether croner reads the text as a five-field expression (checked at load, for `run` too). */
function isCron(text: string): boolean {
  try {
    new Cron(text, { paused: true, mode: '5-part' });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone the runtime knows (Europe/Copenhagen), checked at load. */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not a time zone this system knows (use an IANA name such as Europe/Copenhagen)');

export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour HH:MM, e.g. 07:30');

export const ScheduleConfig = z
  .object({
    name: Name,
    /** Five-field cron (minute hour day month weekday), read in `timeZone`. */
    cron: z
      .string()
      .min(1)
      .refine(isCron, 'is not a five-field cron expression (minute hour day month weekday)'),
    /** Default: the worker's time zone. */
    timeZone: TimeZone.optional(),
    /**
     * full: each target that can read is read, so drift made by hand is found and put back.
     * delta: compared with what orgsync last applied, without reading targets: fast, for
     * intraday runs that carry HR's changes.
     */
    mode: z.enum(['full', 'delta']).default('full'),
    /** Only these targets; default every enabled target. */
    targets: z.array(Name).optional(),
  })
  .strict();
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const BlackoutConfig = z
  .object({
    /** Days on which the window starts; default every day. */
    days: z.array(Weekday).min(1).optional(),
    from: ClockTime,
    /** May be earlier than `from`: the window then ends the next day (22:00 to 06:00). */
    to: ClockTime,
    timeZone: TimeZone.optional(),
  })
  .strict()
  .refine((b) => b.from !== b.to, 'from and to must differ');
export type BlackoutConfig = z.infer<typeof BlackoutConfig>;

export const Role = z.enum(['read', 'operator']);
export type Role = z.infer<typeof Role>;

export const ApiConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** Loopback by default: the API is for the machine's own operators and a reverse proxy. */
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8480),
    /** Bearer tokens, each a secret reference ({ env } or { file }). */
    tokens: z.array(z.object({ name: Name, role: Role, token: lazySecret() }).strict()).default([]),
    /** Serve /metrics without a token (it holds counts and target names, no personal data). */
    publicMetrics: z.boolean().default(true),
  })
  .strict();
export type ApiConfig = z.infer<typeof ApiConfig>;

export const WorkerConfig = z
  .object({
    timeZone: TimeZone.default('Europe/Copenhagen'),
    schedules: z.array(ScheduleConfig).default([]),
    blackouts: z.array(BlackoutConfig).default([]),
    lock: z
      .object({
        /**
         * A held lock is renewed every third of this; one not renewed for this long belongs
         * to a dead process and is taken over.
         */
        ttlSeconds: z.number().int().min(5).max(3600).default(60),
      })
      .strict()
      .prefault({}),
    /** After SIGTERM, how long changes in flight may take before the worker exits anyway. */
    shutdownGraceSeconds: z.number().int().min(0).max(3600).default(30),
    /** Dry-run plans kept in memory for the API and the page. */
    keepPlans: z.number().int().min(1).max(200).default(20),
    api: ApiConfig.prefault({}),
    notify: NotifyConfig.prefault({}),
  })
  .strict()
  .superRefine((w, ctx) => {
    const seen = new Set<string>();
    w.schedules.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'name'],
          message: `duplicate schedule ${s.name}`,
        });
      seen.add(s.name);
    });
  });
export type WorkerConfig = z.infer<typeof WorkerConfig>;

/**
 * Reads every secret of the worker block and checks the tokens: what `orgsync serve` does
 * before it starts. Returns the problems by path (never a value); empty when all is well.
 */
export function workerSecretProblems(w: WorkerConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const read = (path: string, s: Secret | undefined): string | undefined => {
    if (!s) return undefined;
    try {
      return s.reveal();
    } catch (e) {
      problems.push({ path, message: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  };
  const seen = new Set<string>();
  w.api.tokens.forEach((t, i) => {
    const path = `api.tokens.${i}.token`;
    const value = read(path, t.token);
    if (value === undefined) return;
    if (value.length < 16)
      problems.push({
        path,
        message: `token ${t.name} is shorter than 16 characters; use a long random value`,
      });
    if (seen.has(value))
      problems.push({
        path,
        message: `token ${t.name} is the same as another token; each role needs its own`,
      });
    seen.add(value);
  });
  read('notify.webhook.secret', w.notify.webhook?.secret);
  read('notify.email.password', w.notify.email?.password);
  return problems;
}
