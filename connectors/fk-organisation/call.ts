/**
 * One FK Organisation operation: the RequestHeader with a fresh TransactionUUID on every
 * call, a timeout, and the answer's StandardRetur turned into a result or a typed error.
 * FK answers most refusals with a status code in a normal reply, not a fault, so a reply
 * is only a success when its StatusKode is 20.
 */
import { randomUUID } from 'node:crypto';
import type soap from 'soap';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

const REQUEST_HEADER_NS = 'http://kombit.dk/xml/schemas/RequestHeader/1/';

/** What each StandardRetur status means to the executor (contracts/ORIGIN.md). */
const STATUS: Record<number, { kind: ConnectorErrorKind; meaning: string }> = {
  40: { kind: 'invalid-value', meaning: 'inconsistent input' },
  41: { kind: 'permission', meaning: 'not authorised (service agreement or certificate)' },
  44: { kind: 'not-found', meaning: 'not found' },
  // The server's clock is behind ours: a moment later the same request goes through.
  45: { kind: 'transient', meaning: 'timestamp ahead of the server clock' },
  47: { kind: 'conflict', meaning: 'invalid validity period (updates out of order)' },
  49: { kind: 'conflict', meaning: 'object passivated or deleted' },
};

/**
 * OIOIDWS for one call: `prepare` gets what the call needs (a token, cached) and returns the
 * step that puts it on the client, run synchronously just before soap builds the envelope.
 */
export interface CallSecurity {
  prepare(): Promise<(client: soap.Client, call: { action: string; to: string }) => void>;
}

export interface CallContext {
  /** What is done to which object, for messages: `importer OrganisationEnhed <uuid> (unit 1042)`. */
  what: string;
  timeoutMs: number;
  security?: CallSecurity;
  /** The SOAP action and endpoint, which a signed call's WS-Addressing headers name. */
  address?: { action: string; to: string };
}

/** FK's answer: the parsed reply, and the raw XML (read exactly, for read-modify-write). */
export interface CallResult<T> {
  reply: T;
  raw: string;
}

export interface StandardRetur {
  StatusKode: number | string;
  FejlbeskedTekst?: string;
}

/**
 * FK's words with anything shaped like a CPR number masked: a validator that quotes the value
 * it refused must not carry a CPR number into orgsync's messages and logs.
 */
export const maskCpr = (text: string): string => text.replace(/(?<!\d)\d{6}-?\d{4}(?!\d)/g, '[masked]');

/** The error for a non-20 StandardRetur: the operation, the object and FK's own words. */
export function statusError(what: string, retur: StandardRetur): ConnectorError {
  const code = Number(retur.StatusKode);
  const known = STATUS[code];
  const text = maskCpr(retur.FejlbeskedTekst?.trim() || '(no message)');
  return new ConnectorError(
    known?.kind ?? 'invalid-value',
    `${what}: FK answered ${code}${known ? ` (${known.meaning})` : ''}: ${text}`,
  );
}

/** Transport failures: the service did not answer in time or at all. */
function transportError(what: string, e: unknown): ConnectorError {
  const err = e as { code?: string; message?: string; response?: { status?: number }; root?: unknown };
  const message = err?.message ?? String(e);
  const fault = (err?.root as { Envelope?: { Body?: { Fault?: { Reason?: unknown } } } })?.Envelope?.Body
    ?.Fault;
  if (fault) {
    const reason = maskCpr(JSON.stringify(fault.Reason ?? fault));
    const kind: ConnectorErrorKind = /InvalidSecurity|FailedAuthentication/i.test(message)
      ? 'permission'
      : 'invalid-value';
    return new ConnectorError(kind, `${what}: FK refused the request (SOAP fault): ${reason}`, { cause: e });
  }
  const status = err?.response?.status;
  if (status !== undefined && status >= 500) {
    return new ConnectorError('transient', `${what}: FK answered HTTP ${status}`, { cause: e });
  }
  return new ConnectorError('transient', `${what}: FK did not answer (${message})`, { cause: e });
}

/** The RequestHeader of one call: a TransactionUUID FK's support can find the call by. */
export function requestHeader(transactionUuid: string): string {
  return `<header:RequestHeader xmlns:header="${REQUEST_HEADER_NS}"><header:TransactionUUID>${transactionUuid}</header:TransactionUUID></header:RequestHeader>`;
}

/**
 * Calls `operation` (importer, laes, ret...) with `body`; resolves with the reply when FK
 * said 20, else throws a ConnectorError whose kind decides whether it is retried.
 */
export async function call<T extends { StandardRetur?: StandardRetur }>(
  client: soap.Client,
  operation: string,
  body: object,
  ctx: CallContext,
): Promise<CallResult<T>> {
  const method = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>)[
    `${operation}Async`
  ];
  if (typeof method !== 'function')
    throw new ConnectorError('invalid-config', `${ctx.what}: no operation ${operation}`);
  // soap builds the envelope synchronously when the method is called, so setting this
  // call's header right before it is safe with other calls in flight on the same client.
  const transactionUuid = randomUUID();
  let reply: T;
  let raw: string;
  try {
    const secure = await ctx.security?.prepare();
    client.clearSoapHeaders();
    client.addSoapHeader(requestHeader(transactionUuid));
    if (secure) {
      if (!ctx.address)
        throw new ConnectorError('invalid-config', `${ctx.what}: a signed call needs its address`);
      secure(client, ctx.address);
    }
    [reply, raw] = (await method.call(client, body, { timeout: ctx.timeoutMs })) as [T, string];
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    throw transportError(ctx.what, e);
  }
  const retur = reply?.StandardRetur;
  if (!retur) throw new ConnectorError('invalid-value', `${ctx.what}: FK's reply has no StandardRetur`);
  if (Number(retur.StatusKode) !== 20) throw statusError(ctx.what, retur);
  return { reply, raw };
}
