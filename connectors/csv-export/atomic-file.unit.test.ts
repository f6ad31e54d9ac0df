import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-file.js';
import { tempDir } from './testing.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('atomic')));
afterEach(() => cleanup());

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temp file', async () => {
    const path = join(dir, 'a.csv');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['a.csv']);
  });

  it('keeps the mode of the file it replaces', async () => {
    const path = join(dir, 'a.csv');
    await writeFile(path, 'old', { mode: 0o640 });
    await writeFileAtomic(path, 'new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('removes its temp file when the rename fails', async () => {
    const path = join(dir, 'taken');
    await mkdir(path);
    await writeFile(join(path, 'x'), 'keep');
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });
});
