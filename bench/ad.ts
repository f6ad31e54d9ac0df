/**
 * The AD target against a real local domain controller (Samba AD, started here), next to
 * a raw ldapts loop doing the same writes with the same concurrency on one connection:
 * the ceiling a sync can reach on this DC.
 *
 *   node --import tsx bench/ad.ts            (AD_BENCH_PERSONS=10000 by default)
 *
 * 1. create: the connector's first sync (one account per person, 6 mapped attributes,
 *    units not mirrored) against the raw loop adding the same entries.
 * 2. update: one attribute changed on every account, both ways.
 * 3. no change: read, validate and plan again with nothing changed in HR: the DC's
 *    highestCommittedUSN must not move (zero writes); wall time reported.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, type Client } from 'ldapts';
import PQueue from 'p-queue';
import { stringify } from 'yaml';
import { childDn } from '../connectors/ad/dn.js';
import { generateSam } from '../connectors/ad/sam.js';
import { applyWork } from '../src/engine/apply.js';
import { type Engine, openEngine } from '../src/engine/context.js';
import { closeWork, makePlan } from '../src/engine/plan.js';
import { loadSnapshot } from '../src/engine/snapshot.js';
import { generateToDirectory, opusFileName } from '../src/generate/index.js';
import { silentLogger } from '../src/log/logger.js';
import { ldapClient, startSambaDc } from '../test/support/samba.js';

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
  const runId = randomUUID();
  await engine.store.startRun({
    id: runId,
    command: 'bench',
    startedAt: new Date().toISOString(),
    asOf: AS_OF,
    sourceFingerprint: null,
  });
  const [outcome] = await applyWork(engine, work, { runId, signal: new AbortController().signal });
  await closeWork(work);
  if (outcome!.status !== 'applied')
    throw new Error(`apply ${outcome!.status}: ${JSON.stringify(outcome!.problems[0])}`);
  return outcome!;
}

async function main() {
  const hrDir = join(ROOT, 'bench', 'results', 'tmp', `ad-opus-${PERSONS}`);
  if (!existsSync(join(hrDir, opusFileName(AS_OF))))
    await generateToDirectory({ dir: hrDir, seed: 11, persons: PERSONS, asOf: AS_OF, days: 0 });
  const dc = await startSambaDc();
  try {
    const ldap = await ldapClient(dc);
    const syncOu = `OU=Sync,${dc.baseDn}`;
    const rawOu = `OU=Raw,${dc.baseDn}`;
    for (const dn of [syncOu, rawOu]) await ldap.add(dn, { objectClass: ['top', 'organizationalUnit'] });

    const work = mkdtempSync(join(tmpdir(), 'orgsync-bench-ad-'));
    writeFileSync(join(work, 'key'), 'bench-key');
    writeFileSync(join(work, 'ad-password'), dc.password);
    const config = (title: string) => {
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
                    title: title,
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

    // 1. create ---------------------------------------------------------------------------
    let engine = await openEngine(config('${position.title | truncate(128)}'), { logger: silentLogger() });
    const first = await plan(engine);
    const creates = first.work[0]!.changes;
    let t0 = performance.now();
    await apply(engine, first.work);
    const connectorCreateMs = ms(t0);
    await engine.close();

    // The raw loop adds the same entries (same attributes, same OU layout) in a sibling OU.
    const taken = new Set<string>();
    const raw = creates.map((c) => {
      const a = Object.fromEntries(c.attrs.map((x) => [x.name, x.new]));
      const sam = generateSam(
        { givenName: String(a['givenName'] ?? ''), surname: String(a['sn'] ?? ''), key: c.key },
        { pattern: '{given:3}{surname:3}', taken: (n) => taken.has(n) },
      );
      taken.add(sam);
      const attributes: Record<string, string[]> = {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: [`r${sam}`.slice(0, 20)],
        employeeNumber: [c.key],
        userAccountControl: ['514'],
      };
      for (const [k, v] of Object.entries(a)) if (v !== null && v !== '') attributes[k] = [String(v)];
      return { dn: childDn('CN', `${a['displayName']} ${c.key}`, rawOu), attributes };
    });
    t0 = performance.now();
    await pool(raw.map((r) => () => ldap.add(r.dn, r.attributes)));
    const rawCreateMs = ms(t0);

    // 2. update: every title gets a suffix -------------------------------------------------
    engine = await openEngine(config('${position.title | truncate(120)} (ny)'), { logger: silentLogger() });
    const second = await plan(engine);
    const updates = second.work[0]!.changes.length;
    t0 = performance.now();
    await apply(engine, second.work);
    const connectorUpdateMs = ms(t0);
    await engine.close();
    t0 = performance.now();
    await pool(
      raw.map(
        (r) => () =>
          ldap.modify(
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
    const rawUpdateMs = ms(t0);

    // 3. no change ---------------------------------------------------------------------------
    const usnBefore = await highestUsn(ldap);
    t0 = performance.now();
    engine = await openEngine(config('${position.title | truncate(120)} (ny)'), { logger: silentLogger() });
    const third = await plan(engine);
    const noChangeChanges = third.work[0]!.changes.length;
    await apply(engine, third.work).catch(() => undefined);
    const noChangeMs = ms(t0);
    await engine.close();
    const usnAfter = await highestUsn(ldap);
    await ldap.unbind();

    const result = {
      benchmark:
        'AD target against a local Samba AD DC, next to a raw ldapts loop (same writes, same concurrency)',
      measuredAt: new Date().toISOString(),
      persons: PERSONS,
      concurrency: CONCURRENCY,
      create: {
        connector: {
          entries: creates.length,
          ms: connectorCreateMs,
          perSecond: rate(creates.length, connectorCreateMs),
        },
        raw: { entries: raw.length, ms: rawCreateMs, perSecond: rate(raw.length, rawCreateMs) },
      },
      update: {
        connector: { entries: updates, ms: connectorUpdateMs, perSecond: rate(updates, connectorUpdateMs) },
        raw: { entries: raw.length, ms: rawUpdateMs, perSecond: rate(raw.length, rawUpdateMs) },
      },
      noChange: { persons: PERSONS, changes: noChangeChanges, writes: usnAfter - usnBefore, ms: noChangeMs },
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
        `  no change: ${noChangeChanges} changes, ${out.noChange.writes} writes, ${noChangeMs} ms\n` +
        'written: bench/results/ad.json\n',
    );
  } finally {
    await dc.stop();
  }
}

await main();
