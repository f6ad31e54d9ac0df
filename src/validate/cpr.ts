/**
 * CPR number format check: ten digits, the first six a real calendar date (DDMMYY).
 * The modulus-11 check is not applied: CPR numbers without it are issued since 2007.
 */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isWellFormedCpr(cpr: string): boolean {
  if (!/^\d{10}$/.test(cpr)) return false;
  const day = Number(cpr.slice(0, 2));
  const month = Number(cpr.slice(2, 4));
  if (month < 1 || month > 12) return false;
  return day >= 1 && day <= DAYS_IN_MONTH[month - 1]!;
}
