/**
 * The slapd test helper (test/support/slapd.ts) the ldap tests stand on: it starts fast, its
 * server is empty apart from the suffix, stop() leaves nothing behind, and neither does a test
 * process that is killed outright (vitest ends workers with a signal).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSlapd } from '../../test/support/slapd.js';

const HELPER = fileURLToPath(new URL('../../test/support/slapd.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('test/support/slapd.ts', () => {
  it('starts an empty server quickly, and stop() removes it and its folder', async () => {
    const slapd = await startSlapd();
    const pid = Number(readFileSync(`${slapd.dir}/slapd.pid`, 'utf8'));
    expect(slapd.startMs).toBeLessThan(2_000);
    const client = await slapd.client();
    const { searchEntries } = await client.search(slapd.suffix, { attributes: ['1.1'] });
    await client.unbind();
    expect(searchEntries.map((e) => e.dn)).toEqual([slapd.suffix]);
    await slapd.stop();
    expect(existsSync(slapd.dir)).toBe(false);
    expect(alive(pid)).toBe(false);
  });

  it('a test process killed with SIGKILL leaves no server and no folder behind', async () => {
    const script = `import { startSlapd } from ${JSON.stringify(HELPER)};
      const s = await startSlapd();
      console.log(s.dir);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const dir = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`the test process exited early (${code})`)));
    });
    const pid = Number(readFileSync(`${dir}/slapd.pid`, 'utf8'));
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await until('slapd to stop', () => !alive(pid));
    await until('its folder to go', () => !existsSync(dir));
  });
});
