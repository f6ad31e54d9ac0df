/**
 * The plan: what orgsync will do to each target, saved as JSON (`plan --out`) and applied
 * exactly by `apply plan.json`. The zod schema here is the documented format
 * (docs/plan.schema.json is generated from it).
 *
 * A plan holds no sensitive value: sensitive attributes are masked, and `apply` takes their
 * values from the HR data it re-reads, after proving that data is the same the plan saw.
 */

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AttrValue, Change } from '../sdk/types.js';
import type { Fingerprinter } from './diff.js';

export const PLAN_FORMAT_VERSION = 1;

const AttrValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

export const AttrChangeSchema = z.object({
  name: z.string(),
  old: AttrValueSchema.optional().describe('Absent when only a fingerprint of the old value is known.'),
  new: AttrValueSchema,
  sensitive: z.boolean().optional().describe('The values are masked: shown as null here.'),
});

export const ChangeSchema = z.object({
  id: z.string(),
  action: z.enum(['create', 'update', 'move', 'replace', 'disable', 'delete']),
  type: z.enum(['unit', 'person', 'position']),
  key: z.string(),
  targetId: z.string().nullable().optional(),
  parentKey: z.string().nullable(),
  oldParentKey: z.string().nullable().optional(),
  attrs: z.array(AttrChangeSchema),
  enable: z.boolean().optional(),
  reason: z.string(),
  after: z.array(z.string()).describe('Ids of changes that must succeed first.'),
  label: z.string().optional(),
});

export const Summary = z.object({
  create: z.number().int(),
  update: z.number().int(),
  move: z.number().int(),
  replace: z.number().int(),
  disable: z.number().int(),
  delete: z.number().int(),
});
export type Summary = z.infer<typeof Summary>;

export const RecordIssueSchema = z.object({
  recordType: z.enum(['unit', 'person', 'position']),
  key: z.string(),
  code: z.string(),
  message: z.string(),
});

export const TargetPlanSchema = z.object({
  name: z.string(),
  connector: z.string(),
  /** Live (not disabled) objects the target held before the plan: the base of removal shares. */
  currentCount: z.number().int(),
  summary: Summary,
  blocked: z.object({ reasons: z.array(z.string()) }).nullable(),
  /** Hash of the full change list (sensitive values fingerprinted): apply's staleness check. */
  changesFingerprint: z.string(),
  changes: z.array(ChangeSchema),
  /** Objects the target holds that HR lacks only because their records are quarantined: left as they are. */
  heldBack: z.number().int().optional(),
  /** Set when the target could not be planned (unreachable, unreadable). */
  error: z.string().optional(),
});
/** The schema's type, with changes typed as the engine's own Change. */
export type TargetPlan = Omit<z.infer<typeof TargetPlanSchema>, 'changes'> & { changes: Change[] };

export const PlanSchema = z.object({
  formatVersion: z.literal(PLAN_FORMAT_VERSION),
  id: z.string(),
  createdAt: z.string(),
  asOf: z.string(),
  mode: z
    .enum(['full', 'delta'])
    .optional()
    .describe(
      'How current state was found: read from targets (full) or from the store (delta). Absent: full.',
    ),
  source: z.object({
    connector: z.string(),
    origin: z.string(),
    fingerprint: z.string(),
    counts: z.object({ units: z.number().int(), persons: z.number().int(), positions: z.number().int() }),
  }),
  quarantined: z.array(RecordIssueSchema),
  targets: z.array(TargetPlanSchema),
});
export type Plan = Omit<z.infer<typeof PlanSchema>, 'targets'> & { targets: TargetPlan[] };

export function summarise(changes: readonly Change[]): Summary {
  const s: Summary = { create: 0, update: 0, move: 0, replace: 0, disable: 0, delete: 0 };
  for (const c of changes) s[c.action]++;
  return s;
}

export const totalChanges = (s: Summary): number => Object.values(s).reduce((a, b) => a + b, 0);

/** Replaces sensitive values by their fingerprint (for hashing) or by null (for the file). */
export function maskChanges(
  changes: readonly Change[],
  replace: (name: string, v: Change['attrs'][number]['new']) => Change['attrs'][number]['new'],
): Change[] {
  return changes.map((c) =>
    c.attrs.some((a) => a.sensitive)
      ? {
          ...c,
          attrs: c.attrs.map((a) =>
            a.sensitive
              ? {
                  ...a,
                  new: replace(a.name, a.new),
                  ...(a.old === undefined ? {} : { old: replace(a.name, a.old) }),
                }
              : a,
          ),
        }
      : c,
  );
}

/**
 * Identifies a change list: what `apply` compares to prove a saved plan still holds.
 * Sensitive values enter only as their keyed fingerprints. One line per change, fields in
 * a fixed order: cheaper than serialising whole change objects, and just as exact.
 */
export function changesFingerprint(changes: readonly Change[], fp: Fingerprinter): string {
  const h = createHash('sha256');
  const v = (name: string, value: AttrValue | undefined, sensitive?: boolean) =>
    value === undefined ? '-' : sensitive ? fp(name, value) : JSON.stringify(value);
  for (const c of changes) {
    let line = `${c.id}\u0001${c.action}\u0001${c.parentKey}\u0001${c.oldParentKey}\u0001${c.targetId}\u0001${c.enable}\u0001${c.after.join(',')}`;
    for (const a of c.attrs)
      line += `\u0002${a.name}\u0001${v(a.name, a.old, a.sensitive)}\u0001${v(a.name, a.new, a.sensitive)}`;
    h.update(line).update('\n');
  }
  return h.digest('hex');
}
