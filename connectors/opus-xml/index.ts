/**
 * KMD OPUS source: reads the daily XML dump (`ZLPE<timestamp>_delta.xml`, root `<kmd>`
 * with `orgUnit` and `employee` elements) into the canonical model. See README.md for
 * the mapping. The whole file is read on every run; OPUS's dump is complete, so there is
 * no delta handling here despite the file name.
 */
import { z } from 'zod';
import type { SourceExport } from '../../src/model/schema.js';
import { defineSource, type SourceContext, type SourceSession } from '../../src/sdk/connector.js';
import { locateExport } from './locate.js';
import { OPUS_FIELDS, OpusMapper } from './map.js';
import { parseOpusFile } from './parse.js';

export const OpusXmlConfig = z.strictObject({
  /** An export file, or a directory whose newest ZLPE<YYYYMMDDhhmmss>*.xml is read. */
  path: z.string().trim().min(1, 'must name a file or directory'),
  /** Read only records with these `client` attribute values (OPUS "klient"); default all. */
  clients: z.array(z.string().trim().min(1)).min(1, 'leave it out to read every client').optional(),
});
export type OpusXmlConfig = z.infer<typeof OpusXmlConfig>;

export const opusXmlSource = defineSource({
  name: 'opus-xml',
  description: 'KMD OPUS daily XML export (ZLPE*.xml): org units, employments and persons',
  configSchema: OpusXmlConfig,
  open: (config: OpusXmlConfig, ctx: SourceContext): SourceSession => ({
    check: () => check(config),
    read: () => read(config, ctx),
  }),
});

async function check(config: OpusXmlConfig): Promise<{ ok: boolean; message: string }> {
  try {
    const file = await locateExport(config.path);
    const when = file.exportedAt === undefined ? '' : ` (exported ${file.exportedAt})`;
    return { ok: true, message: `OPUS export readable: ${file.path}${when}` };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

async function read(config: OpusXmlConfig, ctx: SourceContext): Promise<SourceExport> {
  const started = performance.now();
  const file = await locateExport(config.path);
  const clients = config.clients === undefined ? undefined : new Set(config.clients);
  const mapper = new OpusMapper({ pseudonymize: (cpr) => ctx.pseudonymize(cpr), clients });
  // Nothing is returned unless the whole file parsed: a truncated export throws here.
  await parseOpusFile(file.path, OPUS_FIELDS, mapper.add);

  const persons = mapper.persons;
  warnAboutClients(ctx, config.clients, mapper.clientsSeen);
  ctx.logger.info(
    {
      file: file.path,
      units: mapper.units.length,
      persons: persons.length,
      positions: mapper.positions.length,
      rejected: mapper.rejected.length,
      leavers: mapper.stats.leavers,
      otherClients: mapper.stats.otherClients,
      ms: Math.round(performance.now() - started),
    },
    'read OPUS export',
  );
  return {
    units: mapper.units,
    persons,
    positions: mapper.positions,
    rejected: mapper.rejected,
    meta: {
      source: 'opus-xml',
      origin: file.path,
      ...(file.exportedAt === undefined ? {} : { exportedAt: file.exportedAt }),
    },
  };
}

/** A mistyped client number silently reads nothing from that client; say so. */
function warnAboutClients(ctx: SourceContext, configured: string[] | undefined, seen: Set<string>): void {
  const missing = configured?.filter((c) => !seen.has(c)) ?? [];
  if (missing.length > 0) {
    ctx.logger.warn({ missing, seen: [...seen] }, 'configured OPUS clients do not occur in the export');
  }
}
