/**
 * A simulator in a child process of a benchmark: its own event loop (and core), as the real
 * service is another machine. The child answers each message `{ type }` with a message of
 * its own (`{ type: reply }`), and says `ready` first.
 */
import { fork } from 'node:child_process';

export interface Child<R> {
  /** The child's `ready` message. */
  ready: Promise<R>;
  /** Sends `{ type, ...extra }` and resolves with the child's `reply` message (default: the same type). */
  ask<T>(type: string, extra?: object, reply?: string): Promise<T>;
}

export function forkChild<R>(script: string, args: readonly string[]): Child<R> {
  const child = fork(script, args, { execArgv: ['--import', 'tsx'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
      child.once('error', reject);
    });
  return {
    ready: next<R>('ready'),
    ask: <T>(type: string, extra: object = {}, reply = type) => {
      const p = next<T>(reply);
      child.send({ type, ...extra });
      return p;
    },
  };
}
