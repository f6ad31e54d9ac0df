/**
 * Atomic file replacement for file-based targets (CSV, JSON exports).
 *
 * A reader of the directory (a consumer, or orgsync's own read()) must see either the
 * old file or the new one, never a half-written one, and a crash or power cut must not
 * leave a truncated file behind. The classic recipe: write a temp file in the *same*
 * directory (rename is only atomic within one filesystem), fsync it so its bytes are on
 * disk before its name is, rename it over the target, then fsync the directory so the
 * rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files start with a dot and end in `.tmp` so consumers globbing `*.csv` skip them. */
export const TEMP_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  /**
   * File mode for a new file (subject to umask). When the file already exists its mode is
   * kept, so an administrator's chmod survives the next run.
   */
  mode?: number;
}

export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
}

/** Writes `data` to `path` atomically and durably (see the module comment). */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const keptMode = await existingMode(path);
  const temp = tempPathFor(path);
  // 'wx': never follow or clobber something that happens to have the temp name.
  const handle = await open(temp, 'wx', keptMode ?? opts.mode ?? 0o666);
  try {
    try {
      // open() applies the umask; an existing file's mode is restored exactly.
      if (keptMode !== undefined) await handle.chmod(keptMode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await fsyncDirectory(dirname(path));
}

/**
 * Makes a directory's entries (a rename, a new name) durable. Windows cannot open a
 * directory for fsync; NTFS journals metadata itself, so there it is skipped.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (e) {
    // Some network filesystems refuse fsync on a directory; the rename still happened.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw e;
  } finally {
    await handle.close();
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}
