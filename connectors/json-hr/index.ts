/**
 * JSON HR source: one file `{ units: [...], persons: [...], positions: [...] }` whose
 * records have the same fields as the csv-hr columns (see README.md). The structure is
 * validated with zod; each record is checked like a CSV row and left out, reported, when
 * it is bad. A missing file, broken JSON or a missing top-level list refuses the export.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { OrgsyncError } from '../../src/errors.js';
import type { RecordType, SourceExport } from '../../src/model/schema.js';
import {
  type CheckResult,
  defineSource,
  type SourceContext,
  type SourceSession,
} from '../../src/sdk/connector.js';
import { FIELDS, type RawRecord, RecordMapper } from '../csv-hr/records.js';

export const JsonHrConfig = z.strictObject({
  /** The export file. */
  path: z.string().trim().min(1, 'must name a file'),
});
export type JsonHrConfig = z.infer<typeof JsonHrConfig>;

/** Records stay `unknown` here: a bad record is rejected on its own, not the whole file. */
const ExportFile = z.object({
  units: z.array(z.unknown()),
  persons: z.array(z.unknown()),
  positions: z.array(z.unknown()),
  /** When HR produced the export, if it says. */
  exportedAt: z.string().optional(),
});

const LISTS: readonly ['units' | 'persons' | 'positions', RecordType][] = [
  ['units', 'unit'],
  ['persons', 'person'],
  ['positions', 'position'],
];

export const jsonHrSource = defineSource({
  name: 'json-hr',
  description: 'HR export as one JSON file with units, persons and positions',
  configSchema: JsonHrConfig,
  open: (config: JsonHrConfig, ctx: SourceContext): SourceSession => ({
    check: () => check(config),
    read: () => read(config, ctx),
  }),
});

async function check(config: JsonHrConfig): Promise<CheckResult> {
  try {
    if (!(await stat(config.path)).isFile()) return { ok: false, message: `${config.path} is not a file` };
    return { ok: true, message: `HR JSON export present: ${config.path}` };
  } catch (e) {
    return { ok: false, message: `${config.path}: ${(e as Error).message}` };
  }
}

async function read(config: JsonHrConfig, ctx: SourceContext): Promise<SourceExport> {
  const started = performance.now();
  const file = await load(config.path);
  const mapper = new RecordMapper((cpr) => ctx.pseudonymize(cpr));
  const unknownFields = new Set<string>();

  for (const [list, type] of LISTS) {
    const known = new Set(FIELDS[type]);
    file[list].forEach((item, i) => {
      // JSON has no rows; the Nth record of its list (1-based) names it when it has no key.
      const row = `row ${i + 1}`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        mapper.rejected.push({
          recordType: type,
          key: row,
          code: 'bad-value',
          message: `${type} ${row} left out: not an object`,
        });
        return;
      }
      const raw = item as RawRecord;
      for (const field of Object.keys(raw)) if (!known.has(field)) unknownFields.add(`${list}.${field}`);
      if (type === 'unit') mapper.addUnit(raw, row);
      else if (type === 'person') mapper.addPerson(raw, row);
      else mapper.addPosition(raw, row);
    });
  }
  // A misspelt field would silently read as "no value"; field names are not personal data.
  if (unknownFields.size > 0) {
    ctx.logger.warn(
      { file: config.path, fields: [...unknownFields].sort() },
      'HR JSON export has fields orgsync does not read',
    );
  }
  ctx.logger.info(
    {
      file: config.path,
      units: mapper.units.length,
      persons: mapper.persons.length,
      positions: mapper.positions.length,
      rejected: mapper.rejected.length,
      ms: Math.round(performance.now() - started),
    },
    'read HR JSON export',
  );
  return {
    units: mapper.units,
    persons: mapper.persons,
    positions: mapper.positions,
    rejected: mapper.rejected,
    meta: {
      source: 'json-hr',
      origin: config.path,
      ...(file.exportedAt === undefined ? {} : { exportedAt: file.exportedAt }),
    },
  };
}

async function load(path: string): Promise<z.infer<typeof ExportFile>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new OrgsyncError('ORGSYNC_SOURCE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, {
      details: [path],
      cause: e,
    });
  }
  let json: unknown;
  try {
    // A UTF-8 byte order mark is not JSON, but Windows tools write one.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw malformed(path, `${path} is not valid JSON (truncated?)${where(text, (e as Error).message)}`);
  }
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the top level';
    throw malformed(path, `${path}: ${where}: ${issue.message}`, issue.path.join('.'));
  }
  return parsed.data;
}

/**
 * Where JSON.parse gave up, as line and column. V8's message may quote the text around
 * the error, which can be a CPR number, so only the position is taken from it.
 */
function where(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}

function malformed(path: string, message: string, property?: string): OrgsyncError {
  return new OrgsyncError('ORGSYNC_SOURCE_MALFORMED', message, {
    details: property ? [path, property] : [path],
  });
}
