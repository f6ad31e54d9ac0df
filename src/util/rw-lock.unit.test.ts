import { describe, expect, it } from 'vitest';
import { RwLock } from './rw-lock.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RwLock', () => {
  it('runs shared sections together and an exclusive one alone, without starving it', async () => {
    const lock = new RwLock();
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const shared = (name: string) =>
      lock.shared(async () => {
        inside++;
        most = Math.max(most, inside);
        log.push(`+${name}`);
        await tick();
        log.push(`-${name}`);
        inside--;
      });
    const first = [shared('a'), shared('b')];
    const exclusive = lock.exclusive(async () => {
      expect(inside).toBe(0);
      log.push('X');
      await tick();
      log.push('-X');
    });
    const late = shared('c'); // asked for after the exclusive section: waits for it
    await Promise.all([...first, exclusive, late]);
    expect(most).toBe(2);
    expect(log.indexOf('X')).toBeGreaterThan(log.indexOf('-a'));
    expect(log.indexOf('X')).toBeGreaterThan(log.indexOf('-b'));
    expect(log.indexOf('+c')).toBeGreaterThan(log.indexOf('-X'));
  });

  it('releases the lock when a section throws', async () => {
    const lock = new RwLock();
    await expect(lock.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.shared(async () => 1)).resolves.toBe(1);
  });
});
