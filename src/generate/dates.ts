/**
 * ISO date arithmetic for the generator, on whole days since 1970-01-01 (UTC), so that no
 * time zone or DST change can shift a date by one.
 */

export const OPEN_END = '9999-12-31';

// Day numbers from and to civil dates by arithmetic (H. Hinnant's algorithms): the generator
// converts hundreds of thousands of dates, and going through Date/toISOString dominated its
// run time.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function toDays(iso: string): number {
  const y = Number(iso.slice(0, 4));
  const mo = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  if (
    iso.length !== 10 ||
    iso[4] !== '-' ||
    iso[7] !== '-' ||
    !Number.isInteger(y) ||
    !Number.isInteger(mo) ||
    !Number.isInteger(d) ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)
  ) {
    throw new Error(`not a calendar date YYYY-MM-DD: ${iso}`);
  }
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

export function fromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

export const addDays = (iso: string, n: number): string => fromDays(toDays(iso) + n);

/** The first day of the month after the one `iso` is in. */
export function firstOfNextMonth(iso: string): string {
  toDays(iso);
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01-01` : `${iso.slice(0, 4)}-${pad2(m + 1)}-01`;
}

/** The last day of the month `iso` is in. */
export const lastOfMonth = (iso: string): string => addDays(firstOfNextMonth(iso), -1);

/** YYYYMMDD, as in OPUS file names. */
export const compact = (iso: string): string => iso.replaceAll('-', '');
