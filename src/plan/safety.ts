/**
 * Safety thresholds: the guard against an empty or truncated HR export turning into
 * "disable half the directory". A target over a threshold is blocked (nothing is applied
 * to it) until a person approves it explicitly; other targets go on.
 */
import type { Safety } from '../config/schema.js';
import { type Summary, totalChanges } from './plan.js';

/** Below this many removals the share rule does not apply: 1 of 5 is not an incident. */
export const SHARE_RULE_MIN_REMOVALS = 10;

export function safetyReasons(summary: Summary, currentCount: number, safety: Safety): string[] {
  const reasons: string[] = [];
  // A replace deletes before it creates: it removes as much as a delete does.
  const removals = summary.disable + summary.delete + summary.replace;
  if (removals > safety.maxRemovals) {
    reasons.push(`${removals} disables/deletes/replaces exceed maxRemovals ${safety.maxRemovals}`);
  }
  if (
    currentCount > 0 &&
    removals >= SHARE_RULE_MIN_REMOVALS &&
    removals / currentCount > safety.maxRemovalShare
  ) {
    const pct = ((removals / currentCount) * 100).toFixed(1);
    reasons.push(
      `${removals} of ${currentCount} objects (${pct} %) would be disabled, deleted or replaced; maxRemovalShare is ${safety.maxRemovalShare * 100} %`,
    );
  }
  const total = totalChanges(summary);
  if (safety.maxChanges !== undefined && total > safety.maxChanges) {
    reasons.push(`${total} changes exceed maxChanges ${safety.maxChanges}`);
  }
  return reasons;
}

/**
 * Removing what orgsync did not make (found by a reconcile: another tool's objects,
 * duplicates) is never routine: it waits for an administrator's approval, whatever the
 * thresholds say.
 */
export function foreignRemovalReasons(foreignRemovals: number): string[] {
  return foreignRemovals > 0
    ? [`${foreignRemovals} objects orgsync did not make would be removed: a clean-up needs approval`]
    : [];
}
