/**
 * The `<file>.types.json` sidecar of a full-mode CSV file. A CSV cell is only text, but the
 * engine compares typed values: `1` (number) is not `'1'`, and `["a"]` is not `'["a"]'`.
 * Without the types, every run after the first would plan updates for every number,
 * boolean and list. The sidecar records, per column, the tag most cells have and, per
 * cell, the exceptions.
 *
 * The two files cannot be replaced in one atomic step, so the sidecar carries the SHA-256
 * of the CSV it describes. If they do not match (a crash between the two writes, or
 * someone edited the CSV), read() falls back to plain strings: the engine then sees
 * differences, plans updates, and the next write makes the pair consistent again.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AttrValue } from '../../src/sdk/types.js';
import { getOrCreate, ownValue } from '../../src/util/collections.js';
import { tagOf, VALUE_TAGS, type ValueTag } from './cells.js';

const Tag = z.enum(VALUE_TAGS);

// Arrays of tuples, not objects keyed by name: keys are data and may be anything (__proto__).
export const TypesSidecar = z.strictObject({
  formatVersion: z.literal(1),
  csvSha256: z.string(),
  /** [column, the tag of most cells in it]. */
  columns: z.array(z.tuple([z.string(), Tag])),
  /** [object key, column, tag] for cells that differ from their column's tag. */
  exceptions: z.array(z.tuple([z.string(), z.string(), Tag])),
});
export type TypesSidecar = z.infer<typeof TypesSidecar>;

export const csvDigest = (csvText: string): string =>
  createHash('sha256').update(csvText, 'utf8').digest('hex');

export function buildSidecar(
  rows: readonly { key: string; attrs: Readonly<Record<string, AttrValue>> }[],
  columns: readonly string[],
  csvText: string,
): TypesSidecar {
  const sidecar: TypesSidecar = {
    formatVersion: 1,
    csvSha256: csvDigest(csvText),
    columns: [],
    exceptions: [],
  };
  for (const column of columns) {
    const tags = rows.map((r) => tagOf(ownValue(r.attrs, column)));
    const common = mostCommon(tags);
    sidecar.columns.push([column, common]);
    tags.forEach((tag, i) => {
      if (tag !== common) sidecar.exceptions.push([rows[i]!.key, column, tag]);
    });
  }
  return sidecar;
}

/** Ties go to the earlier tag in VALUE_TAGS, so the same data always gives the same file. */
function mostCommon(tags: readonly ValueTag[]): ValueTag {
  const counts = new Map<ValueTag, number>();
  for (const t of tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  let best: ValueTag = 'string';
  let bestCount = 0;
  for (const t of VALUE_TAGS) {
    const n = counts.get(t) ?? 0;
    if (n > bestCount) [best, bestCount] = [t, n];
  }
  return best;
}

/** Answers "what was this cell written as?"; without a usable sidecar, everything is a string. */
export class TagLookup {
  private readonly columns = new Map<string, ValueTag>();
  /** column -> object key -> tag: two lookups per cell, and none when a column has no exceptions. */
  private readonly exceptions = new Map<string, Map<string, ValueTag>>();

  constructor(sidecar: TypesSidecar | undefined) {
    if (!sidecar) return;
    for (const [column, tag] of sidecar.columns) this.columns.set(column, tag);
    for (const [key, column, tag] of sidecar.exceptions) {
      getOrCreate(this.exceptions, column, () => new Map<string, ValueTag>()).set(key, tag);
    }
  }

  tag(key: string, column: string): ValueTag {
    return this.exceptions.get(column)?.get(key) ?? this.columns.get(column) ?? 'string';
  }
}
