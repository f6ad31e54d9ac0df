/**
 * The connector's side and the simulator agree: what soap sends from orgsync's builders
 * passes the simulator's XSD validation and its stricter rules, and FK's answers come back
 * as results or typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type StandardRetur } from './call.js';
import { ENHEDSTYPE, fkUuid } from './identifiers.js';
import { emptyRegistration, importBody, merge } from './registration.js';
import { type FkSimulator, startFkSimulator } from './simulator/server.js';
import { serviceClient } from './wsdl.js';

const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
let sim: FkSimulator;
beforeAll(async () => {
  sim = await startFkSimulator();
});
afterAll(() => sim.stop());

describe('connector calls against the strict simulator', () => {
  it('imports a unit, reads it back, and gets 40 as a typed error for a second import', async () => {
    const client = await serviceClient('OrganisationEnhed', `${sim.url}/organisation/organisationenhed/6`);
    const uuid = fkUuid(ORG, 'unit', '1042');
    const now = '2026-11-23T10:00:00Z';
    const reg = merge(
      'OrganisationEnhed',
      emptyRegistration(),
      {
        fields: { BrugervendtNoegleTekst: '1042', EnhedNavn: 'Skole & Dagtilbud "Syd"' },
        status: 'Aktiv',
        relations: [
          { name: 'Enhedstype', refs: [{ uuid: ENHEDSTYPE.department }] },
          { name: 'Tilhoerer', refs: [{ uuid: ORG }] },
        ],
      },
      { organisation: ORG },
      now,
    )!;
    const body = importBody('OrganisationEnhed', uuid, reg, now);
    const ctx = { what: 'importer OrganisationEnhed (unit 1042)', timeoutMs: 5_000 };
    await call(client, 'importer', body, ctx);
    const { reply: read } = await call<{ StandardRetur: StandardRetur; FiltreretOejebliksbillede?: unknown }>(
      client,
      'laes',
      { 'sd:UUIDIdentifikator': uuid },
      { ...ctx, what: 'laes OrganisationEnhed (unit 1042)' },
    );
    expect(JSON.stringify(read.FiltreretOejebliksbillede)).toContain('Skole & Dagtilbud \\"Syd\\"');
    await expect(call(client, 'importer', body, ctx)).rejects.toMatchObject({
      kind: 'invalid-value',
      message: expect.stringMatching(
        /^importer OrganisationEnhed \(unit 1042\): FK answered 40 \(inconsistent input\): .+/,
      ),
    });
    expect(sim.requests.map((r) => [r.operation, r.status])).toEqual([
      ['importer', 20],
      ['laes', 20],
      ['importer', 40],
    ]);
    expect(new Set(sim.requests.map((r) => r.transactionUUID)).size).toBe(3);
  });
});
