/**
 * The suite on a connector that declares little (create, update, delete, read; no move or
 * disable): the cases it cannot meet are skipped with the reason, and the rest pass. The
 * connector is an in-memory store, the smallest honest target.
 */

import { z } from 'zod';
import { defineTarget, type TargetSession } from '../../src/sdk/index.js';
import type { Attrs, CurrentObject } from '../../src/sdk/types.js';
import { describeConformance } from '../../src/testing/conformance.js';

const held = new Map<string, CurrentObject>();

const memoryTarget = defineTarget({
  name: 'conformance-memory',
  description: 'objects kept in memory (a test of the conformance suite)',
  configSchema: z.strictObject({ label: z.string().min(1) }),
  capabilities: { create: true, update: true, delete: true, read: true },
  objectTypes: ['unit', 'person'],
  open: (): TargetSession => ({
    check: async () => ({ ok: true, message: 'in memory' }),
    read: async (types) => [...held.values()].filter((o) => types.includes(o.type)),
    apply: async (changes) =>
      changes.map((c) => {
        const id = `${c.type}:${c.key}`;
        const attrs: Attrs = { ...(c.action === 'create' ? {} : (held.get(id)?.attrs ?? {})) };
        for (const a of c.attrs) attrs[a.name] = a.new;
        if (c.action === 'delete') held.delete(id);
        else if (c.action === 'create' || held.has(id))
          held.set(id, { type: c.type, key: c.key, parentKey: c.parentKey, attrs, disabled: false });
        else
          return { changeId: c.id, status: 'failed', errorKind: 'not-found', message: `${id} is not held` };
        return { changeId: c.id, status: 'applied' };
      }),
  }),
});

describeConformance('a connector without move or disable', () => ({
  connector: memoryTarget,
  config: () => ({ label: 'memory' }),
  objects: {
    unit: { attributes: { name: '${unit.name}' } },
    person: { attributes: { surname: '${person.surname}', unit: '${unit.key}' } },
  },
  invalidConfig: { label: '' },
  reset: async () => held.clear(),
}));
