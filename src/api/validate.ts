/**
 * The admin API's inputs: one zod schema per path, query string and body, and the one
 * helper that turns a refusal into a 400 naming the field and the problem
 * ("query parameter limit must be a whole number from 1 to 500"). Objects are strict so
 * a misspelt field ("tagret") is refused instead of silently ignored.
 */
import { z } from 'zod';
import { invalid } from './errors.js';

type Where = 'path parameter' | 'query parameter' | 'body field';

/** A count in the query string, 1..max, `dflt` when absent. */
const count = (dflt: number, max: number) => {
  const message = `must be a whole number from 1 to ${max}`;
  return z
    .string({ error: `${message}, given once` })
    .regex(/^[0-9]{1,6}$/, message)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, message)
    .optional()
    .transform((n) => n ?? dflt);
};

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : `must be ${what} (a string)`;

/** Run and plan ids are the worker's own (UUIDs and the like): a short token of safe characters. */
const Id = (what: string) =>
  z
    .string({ error: required(what) })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, `is not ${what} (letters, digits, . _ : -, at most 128)`);

/** As target names in the configuration (src/worker/config.ts). */
const TargetName = z
  .string({ error: required('a target name') })
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'is not a target name (lower-case letters, digits, - and _)');

export const RunsQuery = z.object({ limit: count(50, 500) }).strict();
export const RunQuery = z.object({ limit: count(500, 500) }).strict();
export const NoQuery = z.object({}).strict();
export const RunParams = z.object({ id: Id('a run id') }).strict();
export const PlanParams = z.object({ id: Id('a plan id') }).strict();
export const TargetParams = z.object({ name: TargetName }).strict();

export const DryRunBody = z
  .object({
    target: TargetName.optional(),
    mode: z.enum(['full', 'delta'], { error: "must be 'full' or 'delta'" }).optional(),
  })
  .strict();
export const EmptyBody = z.object({}).strict();
export const ApproveBody = z.object({ planId: Id('the id of the plan the target is blocked in') }).strict();

const NOUN: Record<Where, string> = {
  'path parameter': 'path parameter',
  'query parameter': 'query parameter',
  'body field': 'field',
};

function describe(issue: z.core.$ZodIssue, where: Where, allowed: readonly string[]): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    const noun = `${NOUN[where]}${issue.keys.length > 1 ? 's' : ''}`;
    const subject = where === 'body field' ? 'the body has unknown ' : 'unknown ';
    const rest =
      allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : `this route takes no ${NOUN[where]}s`;
    return `${subject}${noun} ${keys}; ${rest}`;
  }
  if (field === '') {
    return where === 'body field'
      ? `the body must be a JSON object${allowed.length > 0 ? ` (fields: ${allowed.join(', ')})` : ' ({} or none)'}`
      : `the ${where}s are malformed: ${issue.message}`;
  }
  return `${where} ${field} ${issue.message}`;
}

/**
 * Parses one part of a request. A missing body (no Content-Type, or an empty JSON body)
 * counts as {}, so `POST .../apply` needs none.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const allowed = shapeKeys(schema);
  const messages = result.error.issues.map((i) => describe(i, where, allowed));
  throw invalid([...new Set(messages)].join('; '));
}

function shapeKeys(schema: z.ZodType): string[] {
  const def = schema._zod.def as { shape?: Record<string, unknown> };
  return def.shape ? Object.keys(def.shape) : [];
}
