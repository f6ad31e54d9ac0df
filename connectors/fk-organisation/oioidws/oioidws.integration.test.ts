/**
 * OIOIDWS end to end against the simulator (its STS and its token check), through real soap
 * clients: tokens fetched and cached, signed calls accepted with the CVR recorded, and the
 * refusals a municipality's operator meets, none of whose messages holds a secret.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/sdk/errors.js';
import { type CallSecurity, call, requestHeader } from '../call.js';
import {
  makeCertificate,
  makeClientCertificate,
  makeStsCertificate,
  type TestCertificate,
} from '../simulator/certs.js';
import { type FkSimulator, startFkSimulator } from '../simulator/server.js';
import { serviceClient } from '../wsdl.js';
import {
  createOioidws,
  issueRequest,
  loadCredentials,
  type Oioidws,
  OioidwsConfig,
  type OioidwsConfigInput,
  type OioidwsToken,
  ORGANISATION_AUDIENCE,
  oioidwsCallSecurity,
  securityFor,
  URI,
} from './index.js';

const CVR = '29189846';
const OTHER_CVR = '55133018';
const OTHER_AUDIENCE = 'http://stoettesystemerne.dk/service/adresse/1';
const UNIT = '5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';
const ACTION = 'http://kombit.dk/sts/organisation/organisationenhed/laes';

let certA: TestCertificate;
let certB: TestCertificate;
let stranger: TestCertificate;
let dir: string;
let sim: FkSimulator;
let now = Date.parse('2026-11-23T08:00:00Z');
const clock = () => new Date(now);
/** Every error message and fault reason seen, checked for secrets at the end. */
const messages: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  [certA, certB, stranger] = await Promise.all([
    makeClientCertificate(CVR),
    makeClientCertificate(OTHER_CVR),
    makeCertificate({ commonName: 'not registered', cvr: CVR }),
  ]);
  const stsSigner = await makeStsCertificate();
  dir = mkdtempSync(join(tmpdir(), 'oioidws-'));
  for (const [name, c] of Object.entries({ a: certA, b: certB, stranger })) {
    writeFileSync(join(dir, `${name}.crt`), c.certificatePem);
    writeFileSync(join(dir, `${name}.key`), c.privateKeyPem);
    secrets.push(keyBody(c.privateKeyPem));
  }
  sim = await startFkSimulator({
    security: {
      clients: [
        { cvr: CVR, certificatePem: certA.certificatePem },
        { cvr: OTHER_CVR, certificatePem: certB.certificatePem },
      ],
      // The service serves CVR only; the STS knows both municipalities and two services.
      cvrs: [CVR],
      audiences: [ORGANISATION_AUDIENCE, OTHER_AUDIENCE],
      stsSigner,
      clock,
    },
  });
  writeFileSync(join(dir, 'sts.crt'), sim.stsCertificatePem!);
});
afterAll(() => sim.stop());

/** A recognisable run of the key's base64 (its second line), which must never be printed. */
const keyBody = (pem: string) => pem.split('\n')[1]!.slice(0, 40);

function oioidws(over: Partial<OioidwsConfigInput> = {}, who = 'a'): Oioidws {
  const config = OioidwsConfig.parse({
    stsUrl: sim.stsUrl,
    cvr: CVR,
    certificate: { certFile: join(dir, `${who}.crt`), keyFile: join(dir, `${who}.key`) },
    stsCertificate: { file: join(dir, 'sts.crt') },
    timeoutMs: 5_000,
    ...over,
  });
  return createOioidws(config, { clock });
}

const endpoint = () => `${sim.url}/organisation/organisationenhed/6`;
let client: soap.Client;
beforeAll(async () => {
  client = await serviceClient('OrganisationEnhed', endpoint());
});

/** A laes the way call.ts makes it; `secure` sets this call's security (or none). */
async function laes(secure?: (c: soap.Client) => void): Promise<{ status?: number; fault?: string }> {
  client.clearSoapHeaders();
  client.addSoapHeader(requestHeader(randomUUID()));
  client.setSecurity(undefined as never);
  secure?.(client);
  const method = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>)['laesAsync']!;
  try {
    const [reply] = (await method.call(client, { 'sd:UUIDIdentifikator': UNIT }, { timeout: 5_000 })) as [
      { StandardRetur: { StatusKode: number } },
    ];
    return { status: Number(reply.StandardRetur.StatusKode) };
  } catch (e) {
    const fault = (e as { root?: { Envelope?: { Body?: { Fault?: { Reason?: { Text?: unknown } } } } } }).root
      ?.Envelope?.Body?.Fault;
    if (!fault) throw e;
    const reason = JSON.stringify(fault.Reason?.Text ?? fault);
    messages.push(reason);
    return { fault: reason };
  }
}

const signed = (token: OioidwsToken) => (c: soap.Client) =>
  c.setSecurity(securityFor(token, { action: ACTION, to: endpoint(), clock }));

async function refusal(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  messages.push((e as Error).message);
  return e as ConnectorError;
}

describe('tokens from the STS', () => {
  it('are fetched once for many concurrent callers, and reused', async () => {
    const o = oioidws();
    const before = sim.stsRequests!.length;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => o.cache.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.stsRequests!.length - before).toBe(1);
    expect(await o.cache.token()).toBe(tokens[0]);
    expect(o.cache.issued).toBe(1);
    const t = tokens[0]!;
    expect(t.cvr).toBe(CVR);
    expect(t.appliesTo).toBe(ORGANISATION_AUDIENCE);
    expect(t.expiresAt.getTime() - now).toBe(8 * 3600_000);
    expect(sim.stsRequests!.at(-1)).toMatchObject({ status: 'issued', cvr: CVR, assertionId: t.assertionId });
    // The token does not print.
    for (const shown of [String(t.assertion), JSON.stringify(t), inspect(t), inspect(t.assertion)]) {
      expect(shown).not.toContain('Assertion');
    }
    const assertion = t.assertion.reveal();
    secrets.push(t.assertionId, /<ds:SignatureValue>([^<]{40})/.exec(assertion)![1]!);
  });

  it('are refreshed refreshBeforeMs before they expire', async () => {
    const o = oioidws({ refreshBeforeMs: 10 * 60_000 });
    const first = await o.cache.token();
    const refreshAt = first.expiresAt.getTime() - 10 * 60_000;
    const start = now;
    try {
      now = refreshAt - 1_000;
      expect(await o.cache.token()).toBe(first);
      now = refreshAt + 1_000;
      const [second, again] = await Promise.all([o.cache.token(), o.cache.token()]);
      expect(second).toBe(again);
      expect(second.assertionId).not.toBe(first.assertionId);
      expect(second.expiresAt.getTime()).toBe(refreshAt + 1_000 + 8 * 3600_000);
      expect(o.cache.issued).toBe(2);
    } finally {
      now = start;
    }
  });

  it('are refused for a certificate the STS does not know', async () => {
    const e = await refusal(oioidws({}, 'stranger').cache.token());
    expect(e.kind).toBe('permission');
    expect(e.message).toMatch(
      /the STS refused \[wst:FailedAuthentication\]: The certificate '.*' is not registered/,
    );
  });

  it('are refused for a CVR the certificate has no agreement for', async () => {
    const e = await refusal(oioidws({ cvr: OTHER_CVR }).cache.token());
    expect(e.kind).toBe('permission');
    expect(e.message).toMatch(/no service agreement for CVR 55133018/);
  });

  it('are refused without the CVR claim, and for a request whose signature is broken', async () => {
    const creds = loadCredentials(
      OioidwsConfig.parse({
        stsUrl: sim.stsUrl,
        cvr: CVR,
        certificate: { certFile: join(dir, 'a.crt'), keyFile: join(dir, 'a.key') },
      }),
    );
    const post = async (body: string) => {
      const res = await fetch(sim.stsUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const input = { stsUrl: sim.stsUrl!, appliesTo: ORGANISATION_AUDIENCE, now: clock() };
    const noClaim = await post(issueRequest(creds, { ...input, cvr: '' }));
    messages.push(noClaim.text);
    expect(noClaim.status).toBe(500);
    expect(noClaim.text).toContain(`The claim ${URI.cvrClaim} is missing`);
    const tampered = issueRequest(creds, { ...input, cvr: CVR }).replace(`>${CVR}<`, `>${OTHER_CVR}<`);
    const broken = await post(tampered);
    messages.push(broken.text);
    expect(broken.status).toBe(500);
    expect(broken.text).toMatch(/wsse:FailedCheck.*The signature is invalid/s);
  });

  it('reports an STS that does not answer as transient', async () => {
    // A port nothing listens on: one just closed.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const o = oioidws({
      stsUrl: `http://127.0.0.1:${port}/runtime/services/kombittrust/14/certificatemixed`,
    });
    const e = await refusal(o.cache.token());
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/the STS did not answer \(ECONNREFUSED\)/);
  });
});

describe('signed calls', () => {
  it('are accepted, and the simulator records the CVR', async () => {
    const token = await oioidws().cache.token();
    const r = await laes(signed(token));
    expect(r).toEqual({ status: 44 });
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'laes', status: 44, cvr: CVR });
    // The STS's assertion went out byte for byte.
    expect(client.lastRequest).toContain(token.assertion.reveal());
  });

  it('work through call() with oioidwsCallSecurity (action taken from soap)', async () => {
    const security: CallSecurity = oioidwsCallSecurity(oioidws().cache, { clock });
    const e = await refusal(
      call(
        client,
        'laes',
        { 'sd:UUIDIdentifikator': UNIT },
        {
          what: 'laes OrganisationEnhed (unit 1042)',
          timeoutMs: 5_000,
          security,
          address: { action: ACTION, to: endpoint() },
        },
      ),
    );
    expect(e.kind).toBe('not-found');
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'laes', status: 44, cvr: CVR });
    // The action soap puts in the Content-Type is used when none is given.
    const token = await oioidws().cache.token();
    expect(await laes((c) => c.setSecurity(securityFor(token, { to: endpoint(), clock })))).toEqual({
      status: 44,
    });
  });

  it('are refused without a token', async () => {
    const r = await laes();
    expect(r.fault).toMatch(/no wsse:Security header \(no token\)/);
    expect(sim.requests.at(-1)).toMatchObject({ status: 'fault' });
  });

  it('are refused when the Body is changed after signing', async () => {
    const token = await oioidws().cache.token();
    const r = await laes((c) => {
      const s = securityFor(token, { action: ACTION, to: endpoint(), clock });
      c.setSecurity({ ...s, postProcess: (xml: string) => s.postProcess(xml).replace(UNIT, randomUUID()) });
    });
    expect(r.fault).toMatch(/the message signature does not verify: invalid signature: for uri #_body-/);
  });

  it('are refused with an expired token', async () => {
    const token = await oioidws().cache.token();
    const start = now;
    try {
      now = token.expiresAt.getTime() + 5 * 60_000;
      const r = await laes(signed(token));
      expect(r.fault).toMatch(/the token expired at/);
    } finally {
      now = start;
    }
  });

  it('are refused with a token for a municipality the service does not serve', async () => {
    const token = await oioidws({ cvr: OTHER_CVR }, 'b').cache.token();
    const r = await laes(signed(token));
    expect(r.fault).toMatch(/CVR 55133018 is not a municipality this service serves/);
  });

  it('are refused with a token for another service', async () => {
    const token = await oioidws({ appliesTo: OTHER_AUDIENCE }).cache.token();
    const r = await laes(signed(token));
    expect(r.fault).toMatch(/the token is for http:\/\/stoettesystemerne.dk\/service\/adresse\/1, not/);
  });

  it('are refused when signed with another key than the token was issued for', async () => {
    const token = await oioidws().cache.token();
    const other = await oioidws({ cvr: OTHER_CVR }, 'b').cache.token();
    // Token A's assertion, signed with B's key.
    const forged = Object.create(token, { key: { get: () => other.key } }) as OioidwsToken;
    const r = await laes(signed(forged));
    expect(r.fault).toMatch(/the message signature does not verify/);
  });
});

describe('credentials', () => {
  it('come from environment variables too, and errors name the source, never the content', async () => {
    const passphrase = 'correct horse battery staple';
    const { createPrivateKey } = await import('node:crypto');
    const encrypted = createPrivateKey(certA.privateKeyPem).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase,
    }) as string;
    const env = {
      OIO_CERT: certA.certificatePem.replace(/\n/g, '\\n'),
      OIO_KEY: encrypted,
      OIO_PASS: passphrase,
      OIO_WRONG: 'not it',
    };
    const config = (pass: string) => {
      const saved = process.env[pass];
      process.env[pass] = env[pass as keyof typeof env];
      try {
        return OioidwsConfig.parse({
          stsUrl: sim.stsUrl,
          cvr: CVR,
          certificate: { certEnv: 'OIO_CERT', keyEnv: 'OIO_KEY', passphrase: { env: pass } },
        });
      } finally {
        if (saved === undefined) delete process.env[pass];
        else process.env[pass] = saved;
      }
    };
    const good = loadCredentials(config('OIO_PASS'), env);
    expect(good.subject).toContain('CN=orgsync');
    expect(inspect(config('OIO_PASS'))).not.toContain(passphrase);

    const wrong = await refusal(Promise.resolve().then(() => loadCredentials(config('OIO_WRONG'), env)));
    expect(wrong.kind).toBe('invalid-config');
    expect(wrong.message).toBe(
      'OIOIDWS: the private key in environment variable OIO_KEY cannot be read: wrong passphrase, or not a private key',
    );
    const mismatch = await refusal(
      Promise.resolve().then(() =>
        loadCredentials(
          OioidwsConfig.parse({
            stsUrl: sim.stsUrl,
            cvr: CVR,
            certificate: { certFile: join(dir, 'a.crt'), keyFile: join(dir, 'b.key') },
          }),
        ),
      ),
    );
    expect(mismatch.message).toMatch(/does not belong to the certificate/);
    const missing = await refusal(
      Promise.resolve().then(() =>
        loadCredentials(
          OioidwsConfig.parse({
            stsUrl: sim.stsUrl,
            cvr: CVR,
            certificate: { certEnv: 'NOPE', keyEnv: 'NOPE' },
          }),
          {},
        ),
      ),
    );
    expect(missing.message).toBe('OIOIDWS: environment variable NOPE (certificate) is not set');
    secrets.push(passphrase);
  });
});

describe('messages', () => {
  it('hold no key, passphrase or token, in any error or fault above', () => {
    // And what the simulator recorded: the service's and the STS's refusals.
    messages.push(...sim.requests.flatMap((r) => r.message ?? []));
    messages.push(...sim.stsRequests!.flatMap((r) => r.reason ?? []));
    expect(messages.length).toBeGreaterThan(20);
    expect(secrets.length).toBeGreaterThan(4);
    for (const m of messages) for (const secret of secrets) expect(m).not.toContain(secret);
  });
});
