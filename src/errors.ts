/**
 * The one catalogue of orgsync's coded errors (fastify-style: ORGSYNC_<AREA>_<WHAT>).
 * Every error an operator can see is listed here with the exit code it maps to and a
 * hint that says what to do. docs/errors.md is generated from this table and a unit test
 * keeps the two in step.
 */

export const EXIT = {
  ok: 0,
  error: 1,
  /** `plan --detailed-exitcode`: the plan has changes. */
  changes: 2,
  /** At least one target is over its safety threshold and was not applied. */
  blocked: 3,
  /** The HR snapshot was refused (structural damage or shrink); no target was touched. */
  refusedInput: 4,
  /** Some changes failed, or a target could not be reached; the rest went through and are recorded. */
  partial: 5,
  /** The saved plan no longer matches HR data or target state. */
  stalePlan: 6,
  /** Another run holds a target's lock: nothing was done to that target; try again later. */
  busy: 7,
  /** A blackout window is open: nothing was written. */
  blackout: 8,
  /** Usage or configuration error. */
  usage: 64,
} as const;

/** `http`: the status the admin API answers with (default 500 for exit 1, else 400). */
type Def = { exit: number; hint: string; http?: number };

export const ERRORS = {
  ORGSYNC_CONFIG_INVALID: {
    exit: EXIT.usage,
    hint: 'Fix the configuration at the path named in the message.',
  },
  ORGSYNC_CONFIG_NOT_FOUND: { exit: EXIT.usage, hint: 'Pass --config with the path of an existing file.' },
  ORGSYNC_CONNECTOR_UNKNOWN: {
    exit: EXIT.usage,
    hint: 'Run `orgsync connectors` to list the connectors this build has.',
  },
  ORGSYNC_TARGET_UNKNOWN: { exit: EXIT.usage, hint: 'Use a target name from the configuration.' },
  ORGSYNC_SCAFFOLD_REFUSED: {
    exit: EXIT.usage,
    hint: 'Run `orgsync connector new` at the root of an orgsync checkout, with a new name of lower-case letters, digits and hyphens.',
  },
  ORGSYNC_SOURCE_UNREADABLE: {
    exit: EXIT.error,
    hint: 'Check that the HR export exists and is readable; nothing was changed in any target.',
  },
  ORGSYNC_SOURCE_MALFORMED: {
    exit: EXIT.refusedInput,
    hint: 'The HR export is broken or truncated; fix or re-export it. Nothing was changed in any target.',
  },
  ORGSYNC_SD_CLOSED: {
    exit: EXIT.error,
    hint: 'SD Løn answers only in its opening hours (about 06:05–21:55 Copenhagen time); schedule the sync inside them or let the source wait (source.config.closed.waitMinutes). Nothing was read into a snapshot and no target was touched.',
  },
  ORGSYNC_SD_AUTH: {
    exit: EXIT.error,
    hint: 'SD Løn refused the login (HTTP 401/403): check the username and password secrets of the sd-lon source, and that the SD user may call the web service for this institution. Nothing was changed in any target.',
  },
  ORGSYNC_SD_UNREACHABLE: {
    exit: EXIT.error,
    hint: 'SD Løn did not give a complete answer even after the retries (network error, timeout, HTTP 5xx without a fault, or an answer cut short): check the base URL and the network path to it, raise the timeout for a large institution, or try again later. Nothing was changed in any target.',
  },
  ORGSYNC_SD_FAULT: {
    exit: EXIT.error,
    hint: 'SD Løn refused a call (the message names the operation and quotes its fault): check the institution identifier and the source settings it names. Nothing was changed in any target.',
  },
  ORGSYNC_SNAPSHOT_STRUCTURE: {
    exit: EXIT.refusedInput,
    hint: 'The organisation hierarchy is damaged (see the listed records); fix it in HR. Nothing was changed in any target.',
  },
  ORGSYNC_SNAPSHOT_SHRANK: {
    exit: EXIT.refusedInput,
    hint: 'The export is much smaller than the last accepted one. If that is real, rerun with --accept-shrink.',
  },
  ORGSYNC_PLAN_STALE: {
    exit: EXIT.stalePlan,
    hint: 'HR data or the target changed after the plan was made; make a new plan and review it.',
  },
  ORGSYNC_PLAN_INVALID: {
    exit: EXIT.usage,
    hint: 'The plan file is not an orgsync plan of this version; make a new one.',
  },
  ORGSYNC_STATE_UNAVAILABLE: {
    exit: EXIT.error,
    hint: 'Check the state store settings (file path or PostgreSQL URL).',
  },
  ORGSYNC_TARGET_BUSY: {
    exit: EXIT.busy,
    http: 409,
    hint: 'Another run holds this target (see the message); wait for it to end. A lock of a dead process is taken over after lock.ttlSeconds.',
  },
  ORGSYNC_BLACKOUT: {
    exit: EXIT.blackout,
    http: 409,
    hint: 'A blackout window is open and nothing may be written; try again after it ends, or use a dry run.',
  },
  ORGSYNC_WORKER_STOPPING: {
    exit: EXIT.error,
    http: 503,
    hint: 'The worker is shutting down and takes no new work; ask again once it has restarted.',
  },
  ORGSYNC_RUN_NOT_FOUND: { exit: EXIT.usage, http: 404, hint: 'Use a run id from the list of runs.' },
  ORGSYNC_PLAN_NOT_FOUND: {
    exit: EXIT.usage,
    http: 404,
    hint: 'The worker keeps only its latest plans, in memory; make a new dry run.',
  },
  ORGSYNC_TARGET_NOT_BLOCKED: {
    exit: EXIT.usage,
    http: 409,
    hint: 'Only a target blocked by its safety thresholds in that plan can be approved.',
  },
  ORGSYNC_API_UNAUTHORIZED: {
    exit: EXIT.usage,
    http: 401,
    hint: 'Send a configured token as `Authorization: Bearer <token>`.',
  },
  ORGSYNC_API_FORBIDDEN: {
    exit: EXIT.usage,
    http: 403,
    hint: "This needs the operator role; the token's role does not allow it.",
  },
  ORGSYNC_API_NOT_FOUND: {
    exit: EXIT.usage,
    http: 404,
    hint: 'No such route; docs/operations.md lists the API.',
  },
  ORGSYNC_API_INVALID: { exit: EXIT.usage, http: 400, hint: 'Fix the request as the message says.' },
  ORGSYNC_INTERNAL: { exit: EXIT.error, hint: 'This is a bug in orgsync; please report it with the log.' },
} as const satisfies Record<string, Def>;

export type ErrorCode = keyof typeof ERRORS;

export class OrgsyncError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  /** The admin API's answer for this error. */
  readonly httpStatus: number;
  /** Machine-readable detail (record keys, paths). Never personal data. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, opts: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OrgsyncError';
    this.code = code;
    this.hint = ERRORS[code].hint;
    this.exitCode = ERRORS[code].exit;
    const def: Def = ERRORS[code];
    this.httpStatus = def.http ?? (def.exit === EXIT.error ? 500 : 400);
    this.details = opts.details ?? [];
  }
}

export function isOrgsyncError(e: unknown): e is OrgsyncError {
  return e instanceof OrgsyncError;
}
