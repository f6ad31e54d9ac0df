/** Configuration and file naming of the csv-export target. */
import { z } from 'zod';
import type { Change, ObjectType } from '../../src/sdk/types.js';

export const CsvExportConfig = z.strictObject({
  /** An existing directory; it is not created, so a missing mount fails loudly. */
  directory: z.string().trim().min(1, 'must name a directory'),
  /** full: one file per type holding every object. delta: new files with only the changes. */
  mode: z.enum(['full', 'delta']).default('full'),
  /** Danish Excel expects ';' (the comma is the decimal separator). */
  delimiter: z.enum([';', ',', '\t']).default(';'),
  /** A UTF-8 byte order mark makes Excel read æøå correctly. */
  bom: z.boolean().default(true),
  fileNamePrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, dot, underscore and hyphen')
    .default(''),
});
export type CsvExportConfig = z.infer<typeof CsvExportConfig>;

/** Files are named by the plural of the type: units.csv, persons.csv, positions.csv. */
export const TYPE_FILE_STEM: Record<ObjectType, string> = {
  unit: 'units',
  person: 'persons',
  position: 'positions',
};

/** Full mode: the one file of a type. */
export const fullFileName = (cfg: CsvExportConfig, type: ObjectType): string =>
  `${cfg.fileNamePrefix}${TYPE_FILE_STEM[type]}.csv`;

/** Full mode: the sidecar that keeps the value types of a CSV file. */
export const typesFileName = (csvName: string): string => `${csvName}.types.json`;

/** Fixed columns. An attribute with one of these names would be ambiguous, so it is refused. */
export const FULL_COLUMNS = ['key', 'parentKey', 'active'] as const;
export const DELTA_COLUMNS = ['action', 'key', 'parentKey', 'oldParentKey', 'active', 'changed'] as const;
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set<string>([...FULL_COLUMNS, ...DELTA_COLUMNS]);

/** Refuses a change that would write an attribute into one of the fixed columns. */
export function reservedAttribute(change: Change): string | undefined {
  const bad = change.attrs.find((a) => RESERVED_ATTRIBUTES.has(a.name));
  return (
    bad && `attribute name "${bad.name}" is reserved for a column of the CSV export; rename it in the mapping`
  );
}
