/**
 * Danish identifiers with their real structure, so that validators in orgsync are exercised
 * with data that passes them: CPR (date + century digit + modulus 11), CVR (modulus 11),
 * EAN/GLN location numbers (GS1 check digit) and user ids.
 */
import { fromDays, toDays } from './dates.js';
import { asciiFold } from './names.js';
import type { Rng } from './random.js';

const CPR_WEIGHTS = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];
const CVR_WEIGHTS = [2, 7, 6, 5, 4, 3, 2, 1];

/**
 * The 7th CPR digit encodes the century together with the year:
 * 0-3 -> 1900s; 4 and 9 -> 2000-2036 or 1937-1999; 5-8 -> 2000-2057 or 1858-1899.
 */
function centuryDigit(rng: Rng, year: number): number {
  if (year >= 2000) return rng.pick([4, 5, 6, 7, 8, 9]);
  if (year >= 1937) return rng.pick([0, 1, 2, 3, 4, 9]);
  return rng.int(0, 3);
}

/** The CPR's birth date, for readers (and tests) that check it is a real calendar date. */
export function cprBirthDate(cpr: string): string | null {
  if (!/^\d{10}$/.test(cpr)) return null;
  const dd = Number(cpr.slice(0, 2));
  const mm = Number(cpr.slice(2, 4));
  const yy = Number(cpr.slice(4, 6));
  const c = Number(cpr[6]);
  let century = 1900;
  if ((c === 4 || c === 9) && yy <= 36) century = 2000;
  else if (c >= 5 && c <= 8) century = yy <= 57 ? 2000 : 1800;
  const iso = `${century + yy}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
  try {
    toDays(iso);
    return iso;
  } catch {
    return null;
  }
}

export const cprMod11Ok = (cpr: string): boolean =>
  /^\d{10}$/.test(cpr) && CPR_WEIGHTS.reduce((s, w, i) => s + w * Number(cpr[i]), 0) % 11 === 0;

/**
 * A new CPR number for someone born on `birthDays` (days since epoch), unique within `used`.
 * Numbers satisfy modulus 11, as all CPRs issued before 2007 do; the last digit's parity is
 * the legal sex (odd = male), so the caller picks the given name after the number.
 */
export function newCpr(rng: Rng, birthDays: number, used: Set<string>): string {
  for (let day = birthDays; ; day++) {
    const iso = fromDays(day);
    const year = Number(iso.slice(0, 4));
    const ddmmyy = iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(2, 4);
    // About 700 valid serials exist per day; a few random tries nearly always find a free one,
    // and moving on to the next day guarantees termination.
    for (let attempt = 0; attempt < 40; attempt++) {
      const head = ddmmyy + String(centuryDigit(rng, year)) + String(rng.int(0, 99)).padStart(2, '0');
      let sum = 0;
      for (let i = 0; i < 9; i++) sum += CPR_WEIGHTS[i]! * Number(head[i]);
      const check = (11 - (sum % 11)) % 11;
      if (check === 10) continue;
      const cpr = head + String(check);
      if (!used.has(cpr)) {
        used.add(cpr);
        return cpr;
      }
    }
  }
}

export const isMaleCpr = (cpr: string): boolean => Number(cpr[9]) % 2 === 1;

export function newCvr(rng: Rng): string {
  for (;;) {
    const head = String(rng.int(1, 9)) + String(rng.int(0, 999999)).padStart(6, '0');
    let sum = 0;
    for (let i = 0; i < 7; i++) sum += CVR_WEIGHTS[i]! * Number(head[i]);
    const check = (11 - (sum % 11)) % 11;
    if (check < 10) return head + String(check);
  }
}

export const cvrOk = (cvr: string): boolean =>
  /^\d{8}$/.test(cvr) && CVR_WEIGHTS.reduce((s, w, i) => s + w * Number(cvr[i]), 0) % 11 === 0;

/** A GLN/EAN location number in the Danish public-sector range 5798..., with its GS1 check digit. */
export function newEan(rng: Rng): string {
  const head = '5798' + String(rng.int(0, 99_999_999)).padStart(8, '0');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(head[i]) * (i % 2 === 0 ? 1 : 3);
  return head + String((10 - (sum % 10)) % 10);
}

/** Production-unit number (P-nummer): ten digits starting with 1. */
export const newPNr = (rng: Rng): string => '10' + String(rng.int(0, 99_999_999)).padStart(8, '0');

/**
 * Hands out unique user ids built from names: two letters of each ("jeha"), then "jeha2",
 * "jeha3"... A counter per stem keeps this linear when thousands share a stem.
 */
export class UserIdPool {
  private readonly used = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();

  constructor(existing: Iterable<string> = []) {
    for (const id of existing) if (id) this.used.add(id);
  }

  claim(firstName: string, lastName: string): string {
    const a = (asciiFold(firstName) + 'xx').slice(0, 2);
    const b = (asciiFold(lastName.split(/[\s-]/).pop() ?? '') + 'xx').slice(0, 2);
    const stem = a + b;
    let id = stem;
    if (this.used.has(id)) {
      let n = this.nextSuffix.get(stem) ?? 2;
      while (this.used.has(stem + n)) n++;
      this.nextSuffix.set(stem, n + 1);
      id = stem + n;
    }
    this.used.add(id);
    return id;
  }
}
