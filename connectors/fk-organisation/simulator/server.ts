/**
 * A strict local simulator of FK Organisation v6 (ORIGIN.md, DESIGN.md "The simulator"): plain
 * node:http and raw XML. Each request goes through, in order:
 *   1. Content-Type application/soap+xml, well-formed XML, a SOAP 1.2 envelope  -> else a Fault
 *   2. the auth hook (`security`: the OIOIDWS token check, token-check.ts)      -> wsse:InvalidSecurity Fault
 *   3. a RequestHeader with a TransactionUUID in the SOAP Header                -> else a Fault
 *   4. a request element of the service at that path (and the SOAP action, if sent, agreeing)
 *   5. fault injection (seeded): no answer, or a 40/44 with nothing applied
 *   6. the XSDs (ContractValidator)                                             -> StandardRetur 40
 *   7. the operation (operations.ts, with the rules of rules.ts)
 * Replies are SOAP 1.2 envelopes echoing the RequestHeader, built from templates, and checked
 * against the XSDs before they leave (`checkReplies`): a template bug fails loudly.
 * With `security`, the same server is also the STS (sts.ts) at STS_PATH.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { STS_PATH } from '../oioidws/ns.js';
import { ContractValidator } from '../xsd.js';
import { type Fault, faultEnvelope, readEnvelope, replyEnvelope, requestHeaderOf } from './envelope.js';
import { type FaultOptions, faultInjector, type Injected } from './faults.js';
import { namespaceDeclarations } from './model.js';
import { HANDLERS, type OperationResult, outputXml } from './operations.js';
import { type FkSecurityOptions, simulatorSecurity } from './security.js';
import {
  type EntityService,
  type InputElement,
  NS,
  OPERATIONS,
  SERVICES,
  type ServiceInfo,
  serviceByPath,
  soapAction,
} from './services.js';
import { RegistrationStore } from './store.js';
import type { StsRecord } from './sts.js';
import { textOf } from './xml.js';

export type AuthResult = { ok: true; cvr: string } | { ok: false; reason: string };

export interface FkSimulatorOptions {
  /** Default 0: an ephemeral port. The simulator listens on 127.0.0.1 only. */
  port?: number;
  /** Added before every reply (faults too). */
  latencyMs?: number;
  faults?: FaultOptions;
  /** Called after the envelope is read and before anything else; a refusal is a wsse:InvalidSecurity Fault. */
  auth?: (headers: IncomingHttpHeaders, envelopeXml: string) => AuthResult | Promise<AuthResult>;
  /** The clock registrations and searches use (default: the system clock). */
  clock?: () => Date;
  /** Validate every reply against the XSDs before sending it (default true). */
  checkReplies?: boolean;
  /** Share a validator (its schemas compile once); otherwise the simulator makes and disposes its own. */
  validator?: ContractValidator;
  /** Keep registrations across a restart: pass the `store` of the simulator that stopped. */
  store?: RegistrationStore;
  /** Largest request body accepted (default 10 MB); larger is HTTP 413. */
  maxBodyBytes?: number;
  /**
   * OIOIDWS: serve a simulated STS at `stsUrl` and refuse every call without a valid token
   * from it (security.ts). An `auth` hook, if also given, runs after the token check.
   */
  security?: FkSecurityOptions;
}

export interface RecordedRequest {
  service: EntityService;
  /** `importer`, `laes`...; undefined when the request never got that far. */
  operation?: string;
  transactionUUID?: string;
  /** The StandardRetur StatusKode, `fault` for a SOAP Fault, `no-answer` for an injected timeout. */
  status: number | 'fault' | 'no-answer';
  /** FejlbeskedTekst or the Fault's reason. */
  message?: string;
  /** Whether the status was injected by `faults`. */
  injected?: boolean;
  /** The CVR the auth hook accepted. */
  cvr?: string;
  /** The request body as received. */
  body: string;
  at: Date;
}

export interface FkSimulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; services are at `${url}/organisation/<service>/6`. */
  url: string;
  requests: RecordedRequest[];
  store: RegistrationStore;
  /** With `security`: the STS's URL, its signing certificate, and the token requests it had. */
  stsUrl?: string;
  stsCertificatePem?: string;
  stsRequests?: StsRecord[];
  stop(): Promise<void>;
}

interface Answer {
  http: number;
  xml?: string;
  record: Omit<RecordedRequest, 'service' | 'body' | 'at'>;
}

export async function startFkSimulator(opts: FkSimulatorOptions = {}): Promise<FkSimulator> {
  const validator = opts.validator ?? new ContractValidator();
  const ownValidator = opts.validator === undefined;
  validator.preload(SERVICES.map((s) => s.name));
  const store = opts.store ?? new RegistrationStore();
  const requests: RecordedRequest[] = [];
  const inject = faultInjector(opts.faults);
  const clock = opts.clock ?? (() => new Date());
  const checkReplies = opts.checkReplies ?? true;
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const hanging = new Set<ServerResponse>();
  const security = opts.security ? await simulatorSecurity(opts.security, clock) : undefined;
  const auth: FkSimulatorOptions['auth'] = security
    ? async (headers, xml) => {
        const verdict = security.auth(headers, xml);
        if (!verdict.ok || !opts.auth) return verdict;
        return opts.auth(headers, xml);
      }
    : opts.auth;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${String(e)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (security && pathname === STS_PATH && req.method === 'POST') {
      const body = await readBody(req, maxBody);
      const answer = security.sts.handle(req.headers, body?.toString('utf8') ?? '');
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      res.writeHead(answer.http, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(answer.xml);
      return;
    }
    const match = /^\/organisation\/([a-z]+)\/6\/?$/.exec(pathname);
    const service = match ? serviceByPath(match[1]!) : undefined;
    if (!service) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('No such service');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only');
      return;
    }
    const body = await readBody(req, maxBody);
    if (body === null) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('Request too large');
      return;
    }
    const at = new Date();
    let answer: Answer | 'hang';
    try {
      answer = await processRequest(service, req.headers, body);
    } catch (e) {
      answer = fault({ code: 'Receiver', reason: `Simulator error: ${String(e)}` });
    }
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    if (answer === 'hang') {
      requests.push({
        service: service.name,
        status: 'no-answer',
        injected: true,
        body: body.toString('utf8'),
        at,
      });
      // Never answered: the client's timeout ends it. stop() closes what is left.
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    requests.push({ service: service.name, ...answer.record, body: body.toString('utf8'), at });
    res.writeHead(answer.http, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(answer.xml);
  }

  // Faults are HTTP 500, as the stacks in front of the real service answer them (the SOAP 1.2
  // HTTP binding would use 400 for env:Sender).
  function fault(f: Fault, extra: Partial<Answer['record']> = {}): Answer {
    return {
      http: 500,
      xml: faultEnvelope(f, extra.transactionUUID),
      record: { ...extra, status: 'fault', message: f.reason },
    };
  }

  async function processRequest(
    service: ServiceInfo,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<Answer | 'hang'> {
    const contentType = parseContentType(headers['content-type']);
    if (contentType.type !== 'application/soap+xml') {
      return fault({
        code: 'Sender',
        reason: `Content-Type must be application/soap+xml (SOAP 1.2), got '${contentType.type || '(none)'}'`,
      });
    }
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(body);
    } catch (e) {
      return fault({ code: 'Sender', reason: `The request is not well-formed XML: ${String(e).trim()}` });
    }
    try {
      const envelope = readEnvelope(doc);
      if ('code' in envelope) return fault(envelope);

      let cvr: string | undefined;
      if (auth) {
        const verdict = await auth(headers, body.toString('utf8'));
        if (!verdict.ok) {
          return fault({
            code: 'Sender',
            subcode: { ns: NS.wsse, prefix: 'wsse', local: 'InvalidSecurity' },
            reason: verdict.reason,
          });
        }
        cvr = verdict.cvr;
      }
      const withCvr = cvr === undefined ? {} : { cvr };

      const requestHeader = requestHeaderOf(envelope.headers);
      if (!requestHeader) {
        return fault(
          {
            code: 'Sender',
            reason: `The SOAP Header must hold a RequestHeader (${NS.header}) with a TransactionUUID`,
          },
          withCvr,
        );
      }
      const headerCheck = validator.validateElement(service.name, requestHeader);
      if (!headerCheck.valid) {
        return fault({ code: 'Sender', reason: `Invalid RequestHeader: ${headerCheck.errors[0]}` }, withCvr);
      }
      const transactionUUID = (textOf(requestHeader, NS.header, 'TransactionUUID') ?? '').trim();
      const base = { ...withCvr, transactionUUID };

      const message = envelope.message;
      const op = message.namespaceUri === service.ns ? OPERATIONS[message.name as InputElement] : undefined;
      if (!op) {
        return fault(
          {
            code: 'Sender',
            reason: `{${message.namespaceUri}}${message.name} is not a request of the ${service.name} service`,
          },
          base,
        );
      }
      const withOp = { ...base, operation: op.operation };
      if (contentType.action !== undefined && contentType.action !== soapAction(service, op.operation)) {
        return fault(
          {
            code: 'Sender',
            reason: `The SOAP action '${contentType.action}' does not match ${service.prefix}:${message.name}`,
          },
          withOp,
        );
      }
      const handler = HANDLERS[op.operation];
      if (!handler) {
        return fault(
          { code: 'Receiver', reason: `The simulator does not implement ${op.operation}` },
          withOp,
        );
      }

      const injected: Injected = inject();
      if (injected === 'timeout') return 'hang';

      let result: OperationResult;
      const check = validator.validateElement(service.name, message);
      if (!check.valid) {
        // As the service does: a 40 in the operation's own reply, with the validator's first words.
        const more = check.errors.length > 1 ? ` (and ${check.errors.length - 1} more)` : '';
        result = { status: 40, message: `Schema validation failed: ${check.errors[0]}${more}` };
      } else if (injected !== null && injected !== 'lost-reply') {
        result = { status: injected, message: `Injected by the simulator (status ${injected})` };
      } else {
        result = handler({ service, store, now: clock(), message });
      }
      const xml = replyEnvelope(
        outputXml(service, op.output, result, namespaceDeclarations(service)),
        transactionUUID,
      );
      if (checkReplies) assertValidReply(validator, service, xml);
      // Done, and then the answer is lost: the client sees only a timeout.
      if (injected === 'lost-reply') return 'hang';
      return {
        http: 200,
        xml,
        record: {
          ...withOp,
          status: result.status,
          ...(result.message === undefined ? {} : { message: result.message }),
          ...(injected !== null && check.valid ? { injected: true } : {}),
        },
      };
    } finally {
      doc.dispose();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    store,
    ...(security
      ? {
          stsUrl: `${url}${STS_PATH}`,
          stsCertificatePem: security.sts.certificatePem,
          stsRequests: security.sts.requests,
        }
      : {}),
    stop: async () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownValidator) validator.dispose();
    },
  };
}

/** The reply's header and output must validate: a failure is a bug of the simulator's templates. */
function assertValidReply(validator: ContractValidator, service: ServiceInfo, xml: string): void {
  const doc = XmlDocument.fromString(xml);
  try {
    const env = readEnvelope(doc);
    if ('code' in env) throw new Error(`reply envelope: ${env.reason}`);
    for (const el of [...env.headers, env.message] as XmlElement[]) {
      const r = validator.validateElement(service.name, el);
      if (!r.valid) throw new Error(`the simulator built an invalid reply: ${r.errors.join('; ')}`);
    }
  } finally {
    doc.dispose();
  }
}

function parseContentType(header: string | undefined): { type: string; action?: string } {
  const [type = '', ...params] = (header ?? '').split(';');
  const out: { type: string; action?: string } = { type: type.trim().toLowerCase() };
  for (const p of params) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    if (p.slice(0, i).trim().toLowerCase() === 'action')
      out.action = p
        .slice(i + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return out;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
