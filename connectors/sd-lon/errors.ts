/**
 * The errors of SD Løn calls, as coded OrgsyncErrors (src/errors.ts): the source's caller
 * catches them by `kind` (wait when closed, stop the run otherwise) and the CLI maps them to
 * exit codes and hints like any other.
 *
 * Messages name the operation and the institution (or the department asked about), never a
 * request's parameters: GetPerson and GetEmployment may carry a CPR number in the query.
 * SD's own fault text names parameters and object kinds, so it is quoted, with anything
 * shaped like a CPR number masked. No error keeps a network error as its cause: node-fetch's
 * messages quote the whole URL, query included, and loggers print causes.
 */

import { type ErrorCode, OrgsyncError } from '../../src/errors.js';
import { copenhagenTime, type OpeningHours, openAt } from './hours.js';

export type SdErrorKind = 'closed' | 'auth' | 'unreachable' | 'fault' | 'malformed';

const CODE: Record<SdErrorKind, ErrorCode> = {
  closed: 'ORGSYNC_SD_CLOSED',
  auth: 'ORGSYNC_SD_AUTH',
  unreachable: 'ORGSYNC_SD_UNREACHABLE',
  fault: 'ORGSYNC_SD_FAULT',
  malformed: 'ORGSYNC_SOURCE_MALFORMED',
};

/** Which call failed: the operation and what it was about, for messages. */
export interface SdCallRef {
  operation: string;
  /** InstitutionIdentifier, for the calls that take one. */
  institution?: string | undefined;
  /** DepartmentUUIDIdentifier, for GetDepartmentParent (which takes no institution). */
  department?: string | undefined;
}

export class SdError extends OrgsyncError {
  readonly kind: SdErrorKind;
  readonly operation: string;
  readonly institution: string | undefined;
  /** A fault saying "The stated … does not exist": the object asked about is not in SD (on that day). */
  readonly notFound: boolean;
  /** The HTTP status of the last answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    kind: SdErrorKind,
    ref: SdCallRef,
    what: string,
    opts: { notFound?: boolean; status?: number } = {},
  ) {
    super(CODE[kind], `SD Løn ${ref.operation} ${subject(ref)}: ${what}`, {
      details: [ref.operation, ...(ref.institution === undefined ? [] : [`institution ${ref.institution}`])],
    });
    this.kind = kind;
    this.operation = ref.operation;
    this.institution = ref.institution;
    this.notFound = opts.notFound ?? false;
    this.status = opts.status;
  }
}

const subject = (ref: SdCallRef): string =>
  ref.institution !== undefined
    ? `for institution ${ref.institution}`
    : ref.department !== undefined
      ? `for department ${ref.department}`
      : '';

export const isSdError = (e: unknown, kind?: SdErrorKind): e is SdError =>
  e instanceof SdError && (kind === undefined || e.kind === kind);

/** SD's "no such object" fault: GetDepartmentParent asked before a department's ActivationDate, a wrong id. */
export const isSdNotFound = (e: unknown): e is SdError => e instanceof SdError && e.notFound;

/**
 * Text with CPR-shaped tokens masked: ten digits in a row, or DDMMYY-XXXX (the last four
 * may be letters in substitute numbers). A P-number is ten digits too and is masked with
 * them, which costs an operator little; longer digit runs and UUIDs are left alone.
 */
export const maskCpr = (text: string): string =>
  text.replace(/(?<![\dA-Za-z])\d{6}-[\dA-Za-z]{4}(?![\dA-Za-z])|(?<!\d)\d{10}(?!\d)/g, '[masked]');

const NOT_FOUND = /The stated .* does not exist/;
/** The closed answer's text (PROTOCOL.md): SD says it in a fault, often with HTTP 200. */
const CLOSED = 'The webservice has failed';

export const isClosedText = (text: string): boolean => text.includes(CLOSED);

/**
 * The error for an `Envelope` answer: closed, or a refusal quoting SD's (masked) words.
 * `texts` are the fault's texts, SD's own message (detail/string) first.
 */
export function faultError(ref: SdCallRef, texts: readonly string[], status: number): SdError {
  const said = maskCpr(texts[0] ?? '') || '(no message)';
  if (texts.some(isClosedText))
    return new SdError('closed', ref, `the service is closed: ${said}`, { status });
  const notFound = texts.some((t) => NOT_FOUND.test(t));
  return new SdError('fault', ref, `SD refused the call: ${said}`, { status, notFound });
}

export const authError = (ref: SdCallRef, status: number): SdError =>
  new SdError('auth', ref, `the login was refused (HTTP ${status})`, { status });

/** After the retries: `reason` is in our own words (no URL), `attempts` how many requests were sent. */
export const unreachableError = (
  ref: SdCallRef,
  reason: string,
  attempts: number,
  status?: number,
): SdError =>
  new SdError('unreachable', ref, `${reason} (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`, {
    ...(status === undefined ? {} : { status }),
  });

/** An answer SD should not give: not XML, the wrong root, a record without a required element. */
export const malformedError = (ref: SdCallRef, reason: string): SdError =>
  new SdError('malformed', ref, reason);

/** The closed answer (ORGSYNC_SD_CLOSED from a call): the caller may wait for the opening hours. */
export const isClosed = (e: unknown): e is SdError => isSdError(e, 'closed');

/** Short name of isSdNotFound, for the callers that tolerate a missing object. */
export const isNotFound = isSdNotFound;

/**
 * The error the source ends with when SD stayed closed for as long as it may wait: not tied
 * to one call, so a plain ORGSYNC_SD_CLOSED naming the opening hours.
 */
export function closedError(hours: OpeningHours, at: Date = new Date()): OrgsyncError {
  const now = copenhagenTime(at);
  return new OrgsyncError(
    'ORGSYNC_SD_CLOSED',
    openAt(hours, now)
      ? `SD Løn answered "The webservice has failed" at ${now} Copenhagen time, inside its opening hours (${hours.open} to ${hours.close}): it may be down or closed early; nothing was read`
      : `SD Løn is closed (it answers from ${hours.open} to ${hours.close}, Copenhagen time); nothing was read`,
  );
}
