/**
 * Finds the OPUS export to read. OPUS drops one full dump a day on a share, named
 * `ZLPE<YYYYMMDDhhmmss>_delta.xml`; configured with a directory, we read the newest of
 * them by the timestamp in the name, never by mtime (copying files around resets mtimes).
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OrgsyncError } from '../../src/errors.js';

/** `ZLPE` + 14-digit timestamp + anything + `.xml`; case-insensitive because shares are often Windows. */
const EXPORT_NAME = /^ZLPE(\d{14})[^/\\]*\.xml$/i;

export interface ExportFile {
  /** Absolute path of the file to read. */
  path: string;
  /** The timestamp in the name as ISO local time (OPUS writes Danish wall-clock time, no zone). */
  exportedAt?: string;
}

/**
 * ISO `YYYY-MM-DDThh:mm:ss` from a ZLPE file name, or undefined when the name has no
 * (valid) timestamp. No offset is added: the name does not say which zone it is in.
 */
export function exportTimestamp(fileName: string): string | undefined {
  const digits = EXPORT_NAME.exec(fileName)?.[1];
  if (digits === undefined) return undefined;
  const iso = digits.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6');
  // Round-trip through Date to refuse impossible values such as month 13 or hour 25.
  const parsed = new Date(`${iso}Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === iso ? iso : undefined;
}

/** The file `path` names, or the newest ZLPE export in it when it is a directory. Throws UNREADABLE. */
export async function locateExport(path: string): Promise<ExportFile> {
  const abs = resolve(path);
  const info = await stat(abs).catch((e: unknown) => {
    throw unreadable(`OPUS export not found or not accessible: ${abs} (${errCode(e)})`, e);
  });
  if (info.isDirectory()) return newestIn(abs);
  if (!info.isFile()) throw unreadable(`OPUS export is not a regular file: ${abs}`);
  await access(abs, constants.R_OK).catch((e: unknown) => {
    throw unreadable(`OPUS export is not readable: ${abs} (${errCode(e)})`, e);
  });
  const exportedAt = exportTimestamp(abs.split(/[/\\]/).pop() ?? '');
  return exportedAt === undefined ? { path: abs } : { path: abs, exportedAt };
}

async function newestIn(dir: string): Promise<ExportFile> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    throw unreadable(`Cannot list OPUS export directory ${dir} (${errCode(e)})`, e);
  });
  let best: { name: string; exportedAt: string } | undefined;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const exportedAt = exportTimestamp(entry.name);
    if (exportedAt === undefined) continue;
    // ISO timestamps compare as strings; the name breaks ties so the choice is stable.
    if (
      best === undefined ||
      exportedAt > best.exportedAt ||
      (exportedAt === best.exportedAt && entry.name > best.name)
    ) {
      best = { name: entry.name, exportedAt };
    }
  }
  if (best === undefined) {
    throw unreadable(`No OPUS export (ZLPE<YYYYMMDDhhmmss>*.xml) in directory ${dir}`);
  }
  const file = join(dir, best.name);
  await access(file, constants.R_OK).catch((e: unknown) => {
    throw unreadable(`OPUS export is not readable: ${file} (${errCode(e)})`, e);
  });
  return { path: file, exportedAt: best.exportedAt };
}

const unreadable = (message: string, cause?: unknown): OrgsyncError =>
  new OrgsyncError('ORGSYNC_SOURCE_UNREADABLE', message, { cause });

export const errCode = (e: unknown): string =>
  (e as NodeJS.ErrnoException | undefined)?.code ?? (e instanceof Error ? e.message : String(e));
