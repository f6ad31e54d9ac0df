/**
 * `orgsync generate`: writes a synthetic municipality's OPUS exports into a directory, day 0
 * and optionally the following days, one ZLPE file per day, exactly as the OPUS file drop
 * would fill a share.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { type ChurnRates, nextDay } from './churn.js';
import type { Municipality } from './model.js';
import { generateMunicipality } from './municipality.js';
import { opusFileName, writeOpusXml } from './opus-writer.js';

export { type ChurnRates, type ChurnStats, DEFAULT_RATES, nextDay, nextDayWithStats } from './churn.js';
export type { GenEmployment, GenUnit, Municipality, MunicipalityProfile } from './model.js';
export { type GenerateOptions, generateMunicipality } from './municipality.js';
export { escapeXml, opusFileName, writeOpusXml } from './opus-writer.js';

export interface GenerateToDirectoryOptions {
  dir: string;
  seed: number;
  persons: number;
  /** Day 0, YYYY-MM-DD. */
  asOf: string;
  /** How many following days to write after day 0 (default 0). */
  days?: number;
  rates?: Partial<ChurnRates>;
  client?: string;
}

/** Writes one export file; resolves once the data is flushed and the file closed. */
export async function writeOpusFile(m: Municipality, path: string): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  try {
    await writeOpusXml(m, out);
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  await finished(out);
}

/** Returns the paths written, day 0 first. */
export async function generateToDirectory(opts: GenerateToDirectoryOptions): Promise<string[]> {
  await mkdir(opts.dir, { recursive: true });
  let m = generateMunicipality({
    seed: opts.seed,
    persons: opts.persons,
    asOf: opts.asOf,
    ...(opts.client !== undefined ? { client: opts.client } : {}),
  });
  const paths: string[] = [];
  const days = Math.max(0, Math.floor(opts.days ?? 0));
  for (let day = 0; ; day++) {
    const path = join(opts.dir, opusFileName(m.asOf));
    await writeOpusFile(m, path);
    paths.push(path);
    if (day >= days) break;
    m = nextDay(m, opts.rates, opts.seed);
  }
  return paths;
}
