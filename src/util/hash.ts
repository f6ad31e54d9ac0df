/** Hashing helpers: one place for how orgsync fingerprints and pseudonymises. */
import { createHash, createHmac } from 'node:crypto';

/** Plain SHA-256 hex of a string; for fingerprints of data that is not personal on its own. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Keyed hash: used wherever the input may be personal data (CPR, attribute values). */
export const hmac = (key: string, text: string): string =>
  createHmac('sha256', key).update(text).digest('hex');

/**
 * Canonical JSON: object keys sorted, so that equal data always hashes equal.
 * Maps become sorted entry lists.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return [...v.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    }
    return v;
  });
}

/**
 * SHA-256 over a sequence of records, each serialised with plain JSON.stringify: for large
 * collections whose records the engine builds itself (so their key order is fixed by the
 * code, and canonicalJson's sorting would only cost time). Records are fed in the order given.
 */
export function hashRecords(records: Iterable<unknown>): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify(r) ?? 'undefined').update('\n');
  return h.digest('hex');
}

/** The values of a map in key order: a deterministic order for hashing. */
export function* byKey<V>(map: ReadonlyMap<string, V>): Iterable<V> {
  for (const k of [...map.keys()].sort()) yield map.get(k)!;
}
