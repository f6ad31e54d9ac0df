/**
 * A test target that keeps its objects in an append-only ledger file (one JSON line per
 * applied change, fsynced), so tests can see exactly what reached it and how often,
 * even across processes killed with SIGKILL. Faults can be injected per change.
 * Not shipped: a real connector would talk to a real system.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { defineTarget, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Attrs, Change, ChangeResult, CurrentObject } from '../../src/sdk/types.js';

export interface LedgerLine {
  runId: string;
  changeId: string;
  action: Change['action'];
  type: Change['type'];
  key: string;
  parentKey: string | null;
  attrs: Attrs;
  enable?: boolean;
}

export const readLedger = (file: string): LedgerLine[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LedgerLine)
    : [];

/** Replays the ledger into the objects the target holds. */
export function ledgerState(lines: readonly LedgerLine[]): Map<string, CurrentObject> {
  const objects = new Map<string, CurrentObject>();
  for (const l of lines) {
    const id = `${l.type}:${l.key}`;
    const cur = objects.get(id);
    if (l.action === 'delete') objects.delete(id);
    else if (l.action === 'disable') {
      if (cur) cur.disabled = true;
    } else {
      objects.set(id, {
        type: l.type,
        key: l.key,
        targetId: `L-${l.key}`,
        parentKey: l.parentKey,
        attrs: { ...(l.action === 'create' || l.action === 'replace' ? {} : cur?.attrs), ...l.attrs },
        disabled: l.enable
          ? false
          : l.action === 'create' || l.action === 'replace'
            ? false
            : (cur?.disabled ?? false),
      });
    }
  }
  return objects;
}

export interface Faults {
  /** change id -> how many times it fails transiently before succeeding. */
  transient?: Record<string, number>;
  /** change id -> fails permanently with this kind. */
  permanent?: Record<string, 'invalid-value' | 'conflict' | 'permission'>;
  /** Delay per change, ms. */
  delayMs?: number;
}

const LedgerConfig = z.object({ file: z.string(), canRead: z.boolean().default(true) }).strict();

export function ledgerTarget(faults: Faults = {}) {
  const seen = new Map<string, number>();
  const calls: Change[][] = [];
  const connector = defineTarget({
    name: 'ledger',
    description: 'test ledger target',
    configSchema: LedgerConfig,
    objectTypes: ['unit', 'person', 'position'],
    capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
    open(config): TargetSession {
      return {
        async check() {
          return { ok: true, message: 'ledger' };
        },
        ...(config.canRead
          ? { read: async () => [...ledgerState(readLedger(config.file)).values()] }
          : {
              recover: async (pending) => {
                const reached = new Set(readLedger(config.file).map((l) => `${l.runId}/${l.changeId}`));
                return new Map(pending.map((p) => [p.change.id, reached.has(`${p.runId}/${p.change.id}`)]));
              },
            }),
        async apply(changes, ctx): Promise<ChangeResult[]> {
          calls.push([...changes]);
          const out: ChangeResult[] = [];
          for (const c of changes) {
            if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
            const n = (seen.get(c.id) ?? 0) + 1;
            seen.set(c.id, n);
            const perm = faults.permanent?.[c.id];
            if (perm) throw new ConnectorError(perm, `refused ${c.id}`);
            if (n <= (faults.transient?.[c.id] ?? 0))
              throw new ConnectorError('transient', `busy (${n})`, { retryAfterMs: 1 });
            const line: LedgerLine = {
              runId: ctx.runId,
              changeId: c.id,
              action: c.action,
              type: c.type,
              key: c.key,
              parentKey: c.parentKey,
              attrs: Object.fromEntries(c.attrs.map((a) => [a.name, a.new])),
              ...(c.enable ? { enable: true } : {}),
            };
            const fd = openSync(config.file, 'a');
            try {
              appendFileSync(fd, JSON.stringify(line) + '\n');
              fsyncSync(fd);
            } finally {
              closeSync(fd);
            }
            out.push({ changeId: c.id, status: 'applied', targetId: `L-${c.key}` });
          }
          return out;
        },
      };
    },
  });
  return { connector, calls, seen };
}
