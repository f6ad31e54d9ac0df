/**
 * The plan as a person reads it, in Terraform's vocabulary:
 *
 *   + unit 1042 "Skovbrynet Børnehave"
 *       name:      "Skovbrynet Børnehave"
 *       # (unit 1042 is in HR and not yet in the target)
 *   ~ person p-1f0c... "Jens Hansen"
 *       title:     "Lærer" -> "Skoleleder"
 *   Plan: 1 to add, 1 to change, 0 to move, 0 to replace, 0 to disable, 0 to destroy.
 *
 * Sensitive values are masked; a value known only by fingerprint shows as (changed).
 */
import type { AttrValue, Change } from '../sdk/types.js';
import type { Plan, Summary, TargetPlan } from './plan.js';

export const SYMBOLS: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  move: '>',
  replace: '-/+',
  disable: 'x',
  delete: '-',
};

const LEGEND = ['Symbols: + create   ~ update in place   > move   -/+ replace   x disable   - delete'];

const show = (v: AttrValue | undefined, sensitive?: boolean): string => {
  if (sensitive) return '(sensitive value)';
  if (v === undefined) return '(changed)';
  if (v === null) return 'null';
  return JSON.stringify(v);
};

export function summaryLine(s: Summary): string {
  return `Plan: ${s.create} to add, ${s.update} to change, ${s.move} to move, ${s.replace} to replace, ${s.disable} to disable, ${s.delete} to destroy.`;
}

export function renderChange(c: Change): string[] {
  const label = c.label ? ` ${JSON.stringify(c.label)}` : '';
  const lines = [`  ${SYMBOLS[c.action]} ${c.type} ${c.key}${label}`];
  const width = Math.max(0, ...c.attrs.map((a) => a.name.length)) + 1;
  if (
    c.action === 'move' ||
    c.action === 'replace' ||
    (c.action === 'update' && c.oldParentKey !== undefined)
  ) {
    lines.push(`      parent: ${c.oldParentKey ?? '(top)'} -> ${c.parentKey ?? '(top)'}`);
  }
  if (c.enable) lines.push('      enabled: false -> true');
  for (const a of c.attrs) {
    const name = `${a.name}:`.padEnd(width);
    const value =
      c.action === 'create' || c.action === 'replace'
        ? show(a.new, a.sensitive)
        : `${show(a.old, a.sensitive)} -> ${show(a.new, a.sensitive)}`;
    lines.push(`      ${name} ${value}`);
  }
  lines.push(`      # (${c.reason})`);
  return lines;
}

export interface RenderOptions {
  /** Most changes listed per target; the rest are counted. Default 200. */
  limit?: number;
}

export function renderTarget(t: TargetPlan, opts: RenderOptions = {}): string[] {
  const limit = opts.limit ?? 200;
  const lines = [`Target ${t.name} (${t.connector}):`];
  if (t.error !== undefined) {
    // Saying "matches HR" here would tell an administrator the opposite of the truth.
    lines.push(`  NOT PLANNED: ${t.error}`);
    return lines;
  }
  if (t.changes.length === 0) lines.push('  No changes. The target matches HR.');
  for (const c of t.changes.slice(0, limit)) lines.push(...renderChange(c));
  if (t.changes.length > limit) {
    lines.push(
      `  ... and ${t.changes.length - limit} more changes (use --full, or --out plan.json for all of them)`,
    );
  }
  if (t.heldBack) {
    lines.push(`  ! ${t.heldBack} objects left as they are: their HR records are quarantined (listed above)`);
  }
  if (t.blocked) {
    lines.push('  BLOCKED: nothing will be applied to this target without approval:');
    for (const r of t.blocked.reasons) lines.push(`    - ${r}`);
    lines.push(`    Approve with: --approve ${t.name}`);
  }
  lines.push(`  ${summaryLine(t.summary)}`);
  return lines;
}

export function renderPlan(plan: Plan, opts: RenderOptions = {}): string {
  const { counts } = plan.source;
  const lines = [
    `orgsync plan ${plan.id} as of ${plan.asOf}`,
    `Source ${plan.source.connector}: ${counts.units} units, ${counts.persons} persons, ${counts.positions} positions` +
      (plan.quarantined.length > 0 ? `; ${plan.quarantined.length} records quarantined` : ''),
  ];
  if (plan.quarantined.length > 0) {
    for (const q of plan.quarantined.slice(0, 20)) lines.push(`  ! ${q.recordType} ${q.key}: ${q.message}`);
    if (plan.quarantined.length > 20)
      lines.push(`  ! ... and ${plan.quarantined.length - 20} more (see --json)`);
  }
  lines.push(...LEGEND, '');
  for (const t of plan.targets) lines.push(...renderTarget(t, opts), '');
  return lines.join('\n');
}
