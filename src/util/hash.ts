/** Hashing helpers: one place for how orgsync fingerprints and pseudonymises. */
import { createHash, createHmac } from 'node:crypto';

/** Plain SHA-256 hex of a string; for fingerprints of data that is not personal on its own. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Keyed hash: used wherever the input may be personal data (CPR, attribute values). */
export const hmac = (key: string, text: string): string =>
  createHmac('sha256', key).update(text).digest('hex');

/**
 * SHA-256 over a sequence of records, each serialised with plain JSON.stringify: for large
 * collections whose records the engine builds itself (so their key order is fixed by the
 * code, and sorting keys would only cost time). Records are fed in the order given.
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
