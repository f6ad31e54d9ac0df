/**
 * Secrets in configuration are references, never values: `{ env: NAME }` or `{ file: path }`.
 * They resolve at config load into a `Secret`, whose every printable form is "[redacted]",
 * so a config object can be logged or serialised without leaking what it holds.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export class Secret {
  #value: string | (() => string);
  readonly source: string;
  /** `value` may be a function: the secret is then read on first reveal (lazySecret). */
  constructor(value: string | (() => string), source: string) {
    this.#value = value;
    this.source = source;
  }
  reveal(): string {
    if (typeof this.#value === 'function') this.#value = this.#value();
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${this.source})`;
  }
}

export const SecretRef = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** Registry of schemas that hold secrets, so JSON Schema output and docs can mark them. */
export const secretRegistry = z.registry<{ secret: true }>();

/**
 * A config field that holds a secret. Resolution reads the environment or the file at
 * parse time; a missing one is a validation error naming the variable or file, not its value.
 */
export function secret() {
  const schema = SecretRef.transform((ref, ctx): Secret => {
    if ('env' in ref) {
      const v = process.env[ref.env];
      if (v === undefined || v === '') {
        ctx.addIssue({ code: 'custom', message: `environment variable ${ref.env} is not set` });
        return z.NEVER;
      }
      return new Secret(v, `env:${ref.env}`);
    }
    try {
      return new Secret(readFileSync(ref.file, 'utf8').trim(), `file:${ref.file}`);
    } catch {
      ctx.addIssue({ code: 'custom', message: `secret file ${ref.file} cannot be read` });
      return z.NEVER;
    }
  });
  schema.register(secretRegistry, { secret: true });
  return schema;
}

/** Reads a secret reference now; throws a message naming the variable or file, never a value. */
function readRef(ref: SecretRef): string {
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (v === undefined || v === '') throw new Error(`environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    return readFileSync(ref.file, 'utf8').trim();
  } catch {
    throw new Error(`secret file ${ref.file} cannot be read`);
  }
}

/**
 * A secret read when first revealed, not at load: for settings only one command uses (the
 * worker's API tokens and notification secrets), so that `orgsync run` from cron does not
 * need them. The command that uses them checks them at its start (assertWorkerSecrets).
 */
export function lazySecret() {
  const schema = SecretRef.transform(
    (ref): Secret => new Secret(() => readRef(ref), 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`),
  );
  schema.register(secretRegistry, { secret: true });
  return schema;
}
