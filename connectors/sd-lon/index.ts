/**
 * SD Løn source: reads the organisation, persons and employments of one or more SD
 * institutions from SD's web service (PROTOCOL.md) into the canonical model. See README.md
 * for the settings and the rules it applies.
 *
 * A read is all or nothing. When SD is closed (outside its opening hours) or a call fails
 * after its retries, read() throws and the run stops before any target is planned; with
 * `closed.waitMinutes` it waits for SD to open and then reads everything again from the
 * start, so a snapshot never mixes what was read before and after a pause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { todayIso } from '../../src/model/dates.js';
import type { SourceExport } from '../../src/model/schema.js';
import { defineSource, type SourceContext, type SourceSession } from '../../src/sdk/connector.js';
import { cacheFile, cacheKey, loadCache, removeCache, type SdCache, saveCache } from './cache.js';
import { SdClient } from './client.js';
import { SdLonConfig } from './config.js';
import { closedError, isClosed } from './errors.js';
import { type ReadResult, readSd } from './read.js';

export { SdLonConfig } from './config.js';

export const sdLonSource = defineSource({
  name: 'sd-lon',
  description: "SD Løn's web service: departments, persons and employments of one or more institutions",
  configSchema: SdLonConfig,
  open: (config: SdLonConfig, ctx: SourceContext): SourceSession => ({
    check: () => check(config, ctx),
    read: () => read(config, ctx),
  }),
});

/** The client a read or check uses, from the source's settings. */
export const clientFor = (config: SdLonConfig, signal?: AbortSignal) =>
  new SdClient({
    baseUrl: config.url,
    username: config.username,
    password: config.password,
    timeoutMs: config.timeoutSeconds * 1000,
    retries: config.retries,
    concurrency: config.concurrency,
    ...(signal === undefined ? {} : { signal }),
  });

async function check(config: SdLonConfig, ctx: SourceContext): Promise<{ ok: boolean; message: string }> {
  const client = clientFor(config);
  try {
    const counts: string[] = [];
    for (const { identifier } of config.institutions) {
      const { departments } = await client.departments(identifier, ctx.asOf, ctx.asOf);
      counts.push(`${identifier}: ${departments.length} departments`);
    }
    return { ok: true, message: `SD Løn answers at ${config.url} (${counts.join(', ')})` };
  } catch (e) {
    const err = isClosed(e) ? closedError(config.closed.openingHours) : e;
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  } finally {
    client.close();
  }
}

async function read(config: SdLonConfig, ctx: SourceContext): Promise<SourceExport> {
  const file = cacheFile(ctx.workDir, ctx.instance);
  const key = cacheKey(ctx.pseudonymize);
  const setup = JSON.stringify({
    url: config.url,
    institutions: config.institutions.map((i) => i.identifier),
  });
  if (!config.deltas.enabled) await removeCache(file);
  const deadline = Date.now() + config.closed.waitMinutes * 60_000;
  for (;;) {
    const started = performance.now();
    // One per attempt: when a call fails, the calls still queued behind it are not made.
    const attempt = new AbortController();
    const client = clientFor(config, attempt.signal);
    let result: ReadResult;
    try {
      const cache = config.deltas.enabled
        ? usableCache(await loadCache(file, key), setup, ctx.asOf, config)
        : null;
      result = await readSd({
        config,
        client,
        asOf: ctx.asOf,
        pseudonymize: ctx.pseudonymize,
        logger: ctx.logger,
        cache,
        setup,
        now: () => new Date(),
      });
    } catch (e) {
      attempt.abort(e);
      client.close();
      if (!isClosed(e)) throw e;
      const left = deadline - Date.now();
      const pause = Math.min(config.closed.pollSeconds * 1000, left);
      // Not past midnight: the run resolves the organisation for the day it began on.
      if (left <= 0 || todayIso(new Date(Date.now() + pause)) !== todayIso()) {
        throw closedError(config.closed.openingHours);
      }
      ctx.logger.warn(
        { waitSeconds: Math.round(pause / 1000), openingHours: config.closed.openingHours },
        'SD Løn is closed; nothing read is kept, waiting to read everything again when it opens',
      );
      await sleep(pause);
      continue;
    }
    client.close();
    if (config.deltas.enabled) {
      // The read is whole: a cache that cannot be written costs the next run a full read, not this run.
      await saveCache(file, key, result.cache).catch((e: unknown) =>
        ctx.logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'the SD Løn cache could not be written',
        ),
      );
    }
    ctx.logger.info(
      {
        mode: result.mode,
        institutions: config.institutions.length,
        units: result.export.units.length,
        persons: result.export.persons.length,
        positions: result.export.positions.length,
        rejected: result.export.rejected.length,
        calls: client.calls,
        ms: Math.round(performance.now() - started),
      },
      'read SD Løn',
    );
    return result.export;
  }
}

/**
 * The institutions of the last read that a delta may build on: same setup, not from a later
 * day, and recent enough. Those left out are read in full.
 */
function usableCache(
  cache: SdCache | null,
  setup: string,
  asOf: string,
  config: SdLonConfig,
): SdCache | null {
  if (cache === null || cache.setup !== setup) return null;
  const maxAge = config.deltas.fullReadAfterHours * 3_600_000;
  const institutions = new Map(
    [...cache.institutions].filter(
      ([, c]) => c.asOf <= asOf && Date.now() - Date.parse(c.fullReadAt) < maxAge,
    ),
  );
  return { setup, institutions };
}
