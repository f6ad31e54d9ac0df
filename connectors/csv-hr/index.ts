/**
 * CSV HR source: for HR systems that can only export files. A directory holds units.csv,
 * persons.csv and positions.csv in the column layout documented in README.md; all three
 * are read on every run. Persons are keyed by a pseudonym of their CPR number, and
 * positions name their person by CPR.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SourceExport } from '../../src/model/schema.js';
import {
  type CheckResult,
  defineSource,
  type SourceContext,
  type SourceSession,
} from '../../src/sdk/connector.js';
import { readHrCsv } from './csv-file.js';
import { PERSON_FIELDS, POSITION_FIELDS, RecordMapper, UNIT_FIELDS } from './records.js';

export const CsvHrConfig = z.strictObject({
  directory: z.string().trim().min(1, 'must name a directory'),
  /** Leave out to detect it from each file's header line. */
  delimiter: z.enum([';', ',', '\t']).optional(),
  encoding: z.enum(['utf8', 'latin1']).default('utf8'),
});
export type CsvHrConfig = z.infer<typeof CsvHrConfig>;

export const CSV_HR_FILES = { unit: 'units.csv', person: 'persons.csv', position: 'positions.csv' } as const;

export const csvHrSource = defineSource({
  name: 'csv-hr',
  description: 'HR export as three CSV files: units.csv, persons.csv, positions.csv',
  configSchema: CsvHrConfig,
  open: (config: CsvHrConfig, ctx: SourceContext): SourceSession => ({
    check: () => check(config),
    read: () => read(config, ctx),
  }),
});

async function check(config: CsvHrConfig): Promise<CheckResult> {
  const missing: string[] = [];
  for (const file of Object.values(CSV_HR_FILES)) {
    const ok = await stat(join(config.directory, file)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!ok) missing.push(file);
  }
  return missing.length === 0
    ? { ok: true, message: `HR CSV files present in ${config.directory}` }
    : { ok: false, message: `missing in ${config.directory}: ${missing.join(', ')}` };
}

async function read(config: CsvHrConfig, ctx: SourceContext): Promise<SourceExport> {
  const started = performance.now();
  const dialect = { delimiter: config.delimiter, encoding: config.encoding };
  // All three files are read before anything is returned: one bad file refuses the export.
  const [units, persons, positions] = await Promise.all([
    readHrCsv(config.directory, CSV_HR_FILES.unit, UNIT_FIELDS, dialect),
    readHrCsv(config.directory, CSV_HR_FILES.person, PERSON_FIELDS, dialect),
    readHrCsv(config.directory, CSV_HR_FILES.position, POSITION_FIELDS, dialect),
  ]);
  const mapper = new RecordMapper((cpr) => ctx.pseudonymize(cpr));
  for (const { row, record } of units) mapper.addUnit(record, `row ${row}`);
  for (const { row, record } of persons) mapper.addPerson(record, `row ${row}`);
  for (const { row, record } of positions) mapper.addPosition(record, `row ${row}`);

  ctx.logger.info(
    {
      directory: config.directory,
      units: mapper.units.length,
      persons: mapper.persons.length,
      positions: mapper.positions.length,
      rejected: mapper.rejected.length,
      ms: Math.round(performance.now() - started),
    },
    'read HR CSV export',
  );
  return {
    units: mapper.units,
    persons: mapper.persons,
    positions: mapper.positions,
    rejected: mapper.rejected,
    meta: { source: 'csv-hr', origin: config.directory },
  };
}
