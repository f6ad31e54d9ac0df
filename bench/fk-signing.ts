/**
 * OIOIDWS signing cost per FK Organisation call: `secure()` (the client signing one envelope)
 * and the simulator's token check (`tokenCheck`, verifying one), each timed over N calls on a
 * realistic envelope: a Bruger `importer` as soap serialises it (registration.ts `merge` +
 * `importBody`, the RequestHeader call.ts adds), signed with a token from the simulated STS.
 * No HTTP: the STS and the check are called directly, so only CPU is measured.
 *
 *   node --import tsx bench/fk-signing.ts
 *   FK_SIGN_N=300          calls timed for each (after FK_SIGN_N / 10 warm-up calls)
 *
 * Profile with `node --cpu-prof --import tsx bench/fk-signing.ts`.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { requestHeader } from '../connectors/fk-organisation/call.js';
import { fkUuid, USER_ADDRESSES } from '../connectors/fk-organisation/identifiers.js';
import {
  issueRequest,
  loadCredentials,
  OioidwsConfig,
  type OioidwsToken,
  ORGANISATION_AUDIENCE,
  parseIssueResponse,
  secure,
} from '../connectors/fk-organisation/oioidws/index.js';
import { emptyRegistration, importBody, merge } from '../connectors/fk-organisation/registration.js';
import { makeClientCertificate } from '../connectors/fk-organisation/simulator/certs.js';
import { createSimulatedSts } from '../connectors/fk-organisation/simulator/sts.js';
import { tokenCheck } from '../connectors/fk-organisation/simulator/token-check.js';
import { serviceClient } from '../connectors/fk-organisation/wsdl.js';

const N = Number(process.env['FK_SIGN_N'] ?? 300);
const CVR = '29189846';
const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
const STS_URL = 'https://sts.invalid/runtime/services/kombittrust/14/certificatemixed';
const TO = 'https://organisation.eksterntest-stoettesystemerne.dk/organisation/bruger/6';
const ACTION = 'http://kombit.dk/sts/organisation/bruger/importer';

/** A token from the simulated STS, as the client gets it (parsed, assertion checked). */
async function issueToken(): Promise<{ token: OioidwsToken; stsCertificatePem: string }> {
  const client = await makeClientCertificate(CVR);
  const sts = await createSimulatedSts({ clients: [{ cvr: CVR, certificatePem: client.certificatePem }] });
  const config = OioidwsConfig.parse({
    stsUrl: STS_URL,
    cvr: CVR,
    certificate: { certEnv: 'C', keyEnv: 'K' },
    stsCertificate: { env: 'S' },
  });
  const credentials = loadCredentials(config, {
    C: client.certificatePem,
    K: client.privateKeyPem,
    S: sts.certificatePem,
  });
  const reply = sts.handle(
    { 'content-type': 'application/soap+xml; charset=utf-8' },
    issueRequest(credentials, {
      stsUrl: STS_URL,
      cvr: CVR,
      appliesTo: ORGANISATION_AUDIENCE,
      now: new Date(),
    }),
  );
  if (reply.http !== 200) throw new Error(`the STS refused: ${reply.xml}`);
  const token = parseIssueResponse(reply.xml, {
    cvr: CVR,
    appliesTo: ORGANISATION_AUDIENCE,
    credentials,
    now: new Date(),
  });
  return { token, stsCertificatePem: sts.certificatePem };
}

/** The envelope soap builds for a Bruger importer, caught in postProcess before it is sent. */
async function importerEnvelope(): Promise<string> {
  const person = fkUuid(ORG, 'person', 'p-1');
  const mail = fkUuid(ORG, 'user-email', 'p-1');
  const user = fkUuid(ORG, 'user', 'p-1');
  const now = new Date().toISOString();
  const reg = merge(
    'Bruger',
    emptyRegistration(),
    {
      fields: { BrugervendtNoegleTekst: 'SAE', BrugerNavn: 'Søren Ærø' },
      status: 'Aktiv',
      relations: [
        { name: 'TilknyttedePersoner', refs: [{ uuid: person }] },
        { name: 'Tilhoerer', refs: [{ uuid: ORG }] },
        {
          name: 'Adresser',
          rolle: USER_ADDRESSES.roles.email,
          refs: [{ uuid: mail, rolle: USER_ADDRESSES.roles.email, type: USER_ADDRESSES.type }],
        },
      ],
    },
    { organisation: ORG },
    now,
  )!;
  const client = await serviceClient('Bruger', TO);
  client.addSoapHeader(requestHeader(randomUUID()));
  let captured = '';
  const caught = new Error('captured');
  client.setSecurity({
    addHeaders: () => undefined,
    toXML: () => '',
    postProcess: (xml: string) => {
      captured = xml;
      throw caught;
    },
  } as never);
  const method = (client as unknown as Record<string, (b: object) => Promise<unknown>>)['importerAsync']!;
  await method.call(client, importBody('Bruger', user, reg, now)).catch((e: unknown) => {
    if (e !== caught) throw e;
  });
  if (!captured) throw new Error('soap built no envelope');
  return captured;
}

function time(label: string, n: number, run: (k: number) => void): number {
  for (let k = 0; k < Math.max(1, Math.floor(n / 10)); k++) run(k);
  const t0 = performance.now();
  for (let k = 0; k < n; k++) run(k);
  const perCall = (performance.now() - t0) / n;
  console.log(`${label.padEnd(24)} ${perCall.toFixed(2)} ms per call (${n} calls)`);
  return perCall;
}

const { token: tok, stsCertificatePem } = await issueToken();
const envelope = await importerEnvelope();
const check = tokenCheck({ stsCertificatePem, cvrs: [CVR], audience: ORGANISATION_AUDIENCE });

const signed: string[] = [];
console.log(
  `envelope ${envelope.length} chars, assertion ${tok.assertion.reveal().length} chars, ` +
    `signed ${secure(envelope, tok, { action: ACTION, to: TO }).length} chars`,
);
const signMs = time('sign (secure)', N, (k) => {
  signed[k] = secure(envelope, tok, { action: ACTION, to: TO });
});
const checkMs = time('check (tokenCheck)', N, (k) => {
  const verdict = check({}, signed[k]!);
  if (!verdict.ok) throw new Error(`refused: ${verdict.reason}`);
});
const results = fileURLToPath(new URL('./results/fk-signing.json', import.meta.url));
writeFileSync(
  results,
  `${JSON.stringify(
    {
      benchmark: 'OIOIDWS per call: signing an importer envelope, and the simulated service checking it',
      measuredAt: new Date().toISOString(),
      calls: N,
      envelopeChars: envelope.length,
      signMsPerCall: Math.round(signMs * 100) / 100,
      checkMsPerCall: Math.round(checkMs * 100) / 100,
    },
    null,
    2,
  )}\n`,
);
console.log('written: bench/results/fk-signing.json');
