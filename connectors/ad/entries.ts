/**
 * Reading what a search returned. ldapts keys an entry's attributes by the name the server
 * used, which need not be the case the request used (LDAP names are case-insensitive).
 */
import type { Entry } from 'ldapts';

/** The text values of an attribute, whatever case the server spelt its name in. */
export function values(entry: Entry, name: string): string[] {
  const lower = name.toLowerCase();
  for (const k of Object.keys(entry)) {
    if (k.toLowerCase() !== lower) continue;
    const v = entry[k];
    const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  }
  return [];
}

export const first = (entry: Entry, name: string): string | undefined => values(entry, name)[0];

/**
 * objectGUID as AD writes it in text (and accepts in `<GUID=...>`): the first three
 * fields of the 16 bytes are little-endian, the rest as they come.
 */
export function guidOf(entry: Entry): string | undefined {
  const raw = entry['objectGUID'] ?? entry['objectguid'];
  const buf = Array.isArray(raw) ? raw[0] : raw;
  if (!Buffer.isBuffer(buf) || buf.length !== 16) return undefined;
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = buf.subarray(from, to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** userAccountControl bit 2: ACCOUNTDISABLE. */
export const UAC_DISABLED = 0x2;
