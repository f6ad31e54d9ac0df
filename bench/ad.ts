import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, type Client } from 'ldapts';
import PQueue from 'p-queue';
import { stringify } from 'yaml';
import { generateSam } from '../connectors/ad/sam.js';
import { type Engine, openEngine } from '../src/engine/context.js';
import { closeWork, makePlan } from '../src/engine/plan.js';
import { loadSnapshot } from '../src/engine/snapshot.js';
import { generateToDirectory, opusFileName } from '../src/generate/index.js';
import { childDn } from '../src/ldap/dn.js';
import { silentLogger } from '../src/log/logger.js';
import { applyRecorded } from '../test/support/engine.js';
import { ldapClient, type SambaDc, startSambaDc } from '../test/support/samba.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PERSONS = Number(process.env['AD_BENCH_PERSONS'] ?? 10_000);
const CONCURRENCY = 4;
const AS_OF = '2026-11-22';

const ms = (t0: number) => Math.round(performance.now() - t0);
const rate = (n: number, msTaken: number) => Math.round((n / msTaken) * 10_000) / 10;

async function highestUsn(ldap: Client): Promise<number> {
  const { searchEntries } = await ldap.search('', { scope: 'base', attributes: ['highestCommittedUSN'] });
  return Number(searchEntries[0]!['highestCommittedUSN']);
}

/** Runs `jobs` with `CONCURRENCY` in flight on the one connection, as the connector's queue does. */
async function pool(jobs: (() => Promise<void>)[]): Promise<void> {
  const q = new PQueue({ concurrency: CONCURRENCY });
  await q.addAll(jobs);
}

async function plan(engine: Engine) {
  const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
  return makePlan(engine, snap);
}

async function apply(engine: Engine, work: Awaited<ReturnType<typeof plan>>['work']) {
  const [outcome] = await applyRecorded(engine, work, AS_OF);
  if (outcome!.status !== 'applied')
    throw new Error(`apply ${outcome!.status}: ${JSON.stringify(outcome!.problems[0])}`);
  return outcome!;
}

/** A fresh domain (each DC starts empty) with the OU the accounts go to. */
async function freshDc() {
  const dc = await startSambaDc();
  const ldap = await ldapClient(dc);
  const syncOu = `OU=Sync,${dc.baseDn}`;
  await ldap.add(syncOu, { objectClass: ['top', 'organizationalUnit'] });
  return { dc, ldap, syncOu };
}

/** A work directory with an orgsync config for the AD target of `dc`; `title` is the title mapping. */
function workspace(hrDir: string, dc: SambaDc, syncOu: string) {
  const work = mkdtempSync(join(tmpdir(), 'orgsync-bench-ad-'));
  writeFileSync(join(work, 'key'), 'bench-key');
  writeFileSync(join(work, 'ad-password'), dc.password);
  return (title: string) => {
    const path = join(work, 'orgsync.yaml');
    writeFileSync(
      path,
      stringify({
        source: { connector: 'opus-xml', config: { path: hrDir } },
        privacy: { pseudonymKey: { file: join(work, 'key') } },
        state: { kind: 'sqlite', path: join(work, 'state.db') },
        workDir: join(work, 'work'),
        targets: [
          {
            name: 'ad',
            connector: 'ad',
            config: {
              url: dc.url,
              tls: { caFile: dc.caFile, serverName: dc.servername },
              bind: { user: dc.bindDn, password: { file: join(work, 'ad-password') } },
              baseDn: dc.baseDn,
              persons: { searchBase: syncOu, create: { enabled: true, ou: syncOu } },
            },
            objects: {
              person: {
                attributes: {
                  givenName: '${person.givenName | truncate(64)}',
                  sn: '${person.surname | truncate(64)}',
                  displayName: '${person.givenName} ${person.surname}',
                  title,
                  department: '${unit.name | truncate(64)}',
                  mail: '${person.email | lower}',
                },
              },
            },
            safety: { maxRemovals: 1_000_000, maxRemovalShare: 1 },
            concurrency: CONCURRENCY,
          },
        ],
      }),
    );
    return path;
  };
}

const TITLE = '${position.title | truncate(120)}';
const NEW_TITLE = '${position.title | truncate(120)} (ny)';

/** The raw loop's entries: what the connector's creates write, as plain ldapts adds. */
function rawEntries(creates: readonly import('../src/sdk/types.js').Change[], ou: string) {
  const taken = new Set<string>();
  return creates.map((c) => {
    const a = Object.fromEntries(c.attrs.map((x) => [x.name, x.new]));
    const sam = generateSam(
      { givenName: String(a['givenName'] ?? ''), surname: String(a['sn'] ?? ''), key: c.key },
      { pattern: '{given:3}{surname:3}', taken: (n) => taken.has(n) },
    );
    taken.add(sam);
    const attributes: Record<string, string[]> = {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: [sam],
      employeeNumber: [c.key],
      userAccountControl: ['514'],
    };
    for (const [k, v] of Object.entries(a)) if (v !== null && v !== '') attributes[k] = [String(v)];
    return { dn: childDn('CN', `${a['displayName']} ${c.key}`, ou), attributes };
  });
}

async function main() {
  const hrDir = join(ROOT, 'bench', 'results', 'tmp', `ad-opus-${PERSONS}`);
  if (!existsSync(join(hrDir, opusFileName(AS_OF))))
    await generateToDirectory({ dir: hrDir, seed: 11, persons: PERSONS, asOf: AS_OF, days: 0 });

  // The ceiling, on a fresh domain: the same entries added, then the same attribute changed,
  // by a bare ldapts loop. Samba slows down as its database grows, so each side gets its
  // own empty domain; measuring one after the other on the same DC would favour the first.
  let a = await freshDc();
  let raw: ReturnType<typeof rawEntries>;
  let rawCreateMs: number;
  let rawUpdateMs: number;
  try {
    const engine = await openEngine(workspace(hrDir, a.dc, a.syncOu)(TITLE), { logger: silentLogger() });
    const planned = await plan(engine);
    raw = rawEntries(planned.work[0]!.changes, a.syncOu);
    await closeWork(planned.work);
    await engine.close();
    let t0 = performance.now();
    await pool(raw.map((r) => () => a.ldap.add(r.dn, r.attributes)));
    rawCreateMs = ms(t0);
    t0 = performance.now();
    await pool(
      raw.map(
        (r) => () =>
          a.ldap.modify(
            r.dn,
            new Change({
              operation: 'replace',
              modification: new Attribute({
                type: 'title',
                values: [`${r.attributes['title']?.[0] ?? ''} (ny)`],
              }),
            }),
          ),
      ),
    );
    rawUpdateMs = ms(t0);
    await a.ldap.unbind();
  } finally {
    await a.dc.stop();
  }

  // The connector, through the whole engine (plan, state store, executor), on its own fresh domain.
  a = await freshDc();
  try {
    const config = workspace(hrDir, a.dc, a.syncOu);
    let engine = await openEngine(config(TITLE), { logger: silentLogger() });
    const first = await plan(engine);
    const creates = first.work[0]!.changes.length;
    let t0 = performance.now();
    await apply(engine, first.work);
    const connectorCreateMs = ms(t0);
    await engine.close();

    engine = await openEngine(config(NEW_TITLE), { logger: silentLogger() });
    const second = await plan(engine);
    const updates = second.work[0]!.changes.length;
    t0 = performance.now();
    await apply(engine, second.work);
    const connectorUpdateMs = ms(t0);
    await engine.close();

    // No change in HR: read AD, validate, plan; the DC's USN must not move (zero writes).
    const usnBefore = await highestUsn(a.ldap);
    t0 = performance.now();
    engine = await openEngine(config(NEW_TITLE), { logger: silentLogger() });
    const third = await plan(engine);
    const noChangeChanges = third.work[0]!.changes.length;
    await closeWork(third.work);
    const noChangeMs = ms(t0);
    await engine.close();
    const writes = (await highestUsn(a.ldap)) - usnBefore;
    await a.ldap.unbind();

    const side = (entries: number, taken: number) => ({
      entries,
      ms: taken,
      perSecond: rate(entries, taken),
    });
    const result = {
      benchmark:
        'AD target against a local Samba AD DC, next to a raw ldapts loop (same writes, same concurrency)',
      measuredAt: new Date().toISOString(),
      persons: PERSONS,
      concurrency: CONCURRENCY,
      create: { connector: side(creates, connectorCreateMs), raw: side(raw.length, rawCreateMs) },
      update: { connector: side(updates, connectorUpdateMs), raw: side(raw.length, rawUpdateMs) },
      noChange: { persons: PERSONS, changes: noChangeChanges, writes, ms: noChangeMs },
    };
    const ratio = (k: 'create' | 'update') =>
      Math.round((result[k].connector.perSecond / result[k].raw.perSecond) * 100) / 100;
    const out = { ...result, ratio: { create: ratio('create'), update: ratio('update') } };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'ad.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(
      `AD, ${PERSONS} persons, concurrency ${CONCURRENCY}:\n` +
        `  create: connector ${out.create.connector.perSecond}/s, raw ldapts ${out.create.raw.perSecond}/s (ratio ${out.ratio.create})\n` +
        `  update: connector ${out.update.connector.perSecond}/s, raw ldapts ${out.update.raw.perSecond}/s (ratio ${out.ratio.update})\n` +
        `  no change: ${noChangeChanges} changes, ${writes} writes, ${noChangeMs} ms\n` +
        'written: bench/results/ad.json\n',
    );
  } finally {
    await a.dc.stop();
  }
}

await main();
