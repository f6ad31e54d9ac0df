/**
 * The error kinds a connector reports. They decide what the executor does:
 * only `transient` is retried; everything else fails the change at once and is reported.
 * (ConnId's taxonomy, trimmed to what changes behaviour.)
 */
export const CONNECTOR_ERROR_KINDS = [
  'invalid-config',
  'transient',
  'conflict',
  'not-found',
  'invalid-value',
  'permission',
] as const;
export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number];

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  /** Server-suggested wait before retrying, when the target said (Retry-After, busy). */
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: ConnectorErrorKind,
    message: string,
    opts: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
