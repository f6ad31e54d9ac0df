/**
 * Reading one HR CSV file into raw records, refusing the whole export when the file is
 * missing, undecodable, not CSV, or lacks a documented column. A missing column is never
 * treated as "no values": that would blank the attribute in every target on this run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrgsyncError } from '../../src/errors.js';
import { CsvSyntaxError, parseCsvRecords } from '../../src/util/csv.js';

export interface CsvDialect {
  /** Leave out to detect it from the header line (';', ',' or TAB). */
  delimiter?: ';' | ',' | '\t' | undefined;
  encoding: 'utf8' | 'latin1';
}

export interface CsvRow {
  /** The spreadsheet row number: the header is row 1. */
  row: number;
  record: Record<string, string>;
}

export async function readHrCsv(
  directory: string,
  file: string,
  columns: readonly string[],
  dialect: CsvDialect,
): Promise<CsvRow[]> {
  const path = join(directory, file);
  const text = decode(await readBytes(path), path, dialect.encoding);
  const delimiter = dialect.delimiter ?? sniffDelimiter(text);
  let records: string[][];
  try {
    records = parseCsvRecords(text, delimiter);
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    throw malformed(path, `${path} is not valid CSV: ${e.message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw malformed(path, `${path} is empty: expected a header line`);

  const at = columnIndexes(path, header, columns, delimiter);
  return rows.flatMap((cells, i) => {
    // Spreadsheets save trailing rows of bare delimiters; they are not records.
    if (cells.every((c) => c.trim() === '')) return [];
    const record = Object.fromEntries(columns.map((c) => [c, cells[at.get(c)!] ?? '']));
    return [{ row: i + 2, record }];
  });
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new OrgsyncError('ORGSYNC_SOURCE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, {
      details: [path],
      cause: e,
    });
  }
}

function decode(bytes: Buffer, path: string, encoding: CsvDialect['encoding']): string {
  if (encoding === 'latin1') return bytes.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed(
      path,
      `${path} is not valid UTF-8; if the HR system writes Latin-1, set encoding: latin1`,
    );
  }
}

/** The most frequent of ; , TAB in the header line (header names contain none of them). */
function sniffDelimiter(text: string): ';' | ',' | '\t' {
  const line = text.slice(0, text.search(/\r?\n|$/));
  const count = (d: string) => line.split(d).length - 1;
  return ([';', ',', '\t'] as const).reduce((best, d) => (count(d) > count(best) ? d : best), ';');
}

/** Header names match case-insensitively and trimmed; extra columns are ignored. */
function columnIndexes(
  path: string,
  header: readonly string[],
  columns: readonly string[],
  delimiter: string,
): Map<string, number> {
  const normalised = header.map((h) => h.trim().toLowerCase());
  const at = new Map<string, number>();
  for (const column of columns) {
    const found = normalised.flatMap((h, i) => (h === column.toLowerCase() ? [i] : []));
    if (found.length > 1) throw malformed(path, `${path} has the column "${column}" more than once`, column);
    if (found.length === 0) {
      const hint =
        header.length === 1 ? ` (only one column was found: is the delimiter "${delimiter}" right?)` : '';
      throw malformed(path, `${path} has no column "${column}"${hint}`, column);
    }
    at.set(column, found[0]!);
  }
  return at;
}

function malformed(path: string, message: string, column?: string): OrgsyncError {
  return new OrgsyncError('ORGSYNC_SOURCE_MALFORMED', message, {
    details: column === undefined ? [path] : [path, column],
  });
}
