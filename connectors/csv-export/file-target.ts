/**
 * What every file-based target (csv-export, json-export) does the same way: checking the
 * directory, reading a file that may not exist yet, and turning filesystem errors into
 * the connector error kinds the executor acts on.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckResult } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';

/** Only `transient` is retried: a full disk may clear, a read-only mount will not. */
export function fsError(e: unknown, what: string): ConnectorError {
  const code = (e as NodeJS.ErrnoException).code;
  const message = `${what}: ${(e as Error).message}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ConnectorError('permission', message, { cause: e });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new ConnectorError('invalid-config', message, { cause: e });
  return new ConnectorError('transient', message, { cause: e });
}

/** The directory must exist and be writable; it is never created (a missing mount must not be papered over). */
export async function checkDirectory(directory: string): Promise<CheckResult> {
  try {
    if (!(await stat(directory)).isDirectory())
      return { ok: false, message: `${directory} is not a directory` };
    await access(directory, constants.W_OK);
    return { ok: true, message: `${directory} is writable` };
  } catch (e) {
    return { ok: false, message: `${directory}: ${(e as Error).message}` };
  }
}

/** A file's text, or undefined when it does not exist yet (a target that was never written). */
export async function readIfExists(path: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      await requireDirectory(path, what);
      return undefined;
    }
    throw fsError(e, `cannot read ${what}`);
  }
}

/** A missing file is normal, a missing directory is not: it would look like an empty target. */
async function requireDirectory(path: string, what: string): Promise<void> {
  try {
    await stat(dirname(path));
  } catch (e) {
    throw fsError(e, `cannot read ${what}`);
  }
}
