/**
 * Where orgsync's entries are, as read once per session and kept up to date as changes are
 * applied: `type:key` -> entry, and back from a DN. Renaming or moving an OU changes the DN
 * of everything below it; the index rewrites those DNs itself instead of reading again.
 * DNs are kept in one spelling (normaliseDn: types upper-cased, specials hex-escaped), which
 * the server accepts as it is and which ldapts's modifyDN splits correctly.
 */
import { formatDn, normaliseDn, parseDn } from '../../src/ldap/dn.js';

export type EntryType = 'unit' | 'person';

export interface Held {
  type: EntryType;
  key: string;
  dn: string;
  /** entryUUID; null for an entry made in this session (learnt on the next read). */
  uuid: string | null;
  /** Whether the entry carries its `orgsync:<key>` mark (someone may have removed it). */
  marked: boolean;
}

export const idOf = (type: EntryType, key: string): string => `${type}:${key}`;
/** DNs compare without regard to case: the naming attributes here all match that way. */
const dnKey = (dn: string): string => normaliseDn(dn).toLowerCase();

export class Tree {
  readonly #byId = new Map<string, Held>();
  readonly #byDn = new Map<string, string>();

  get(type: EntryType, key: string): Held | undefined {
    return this.#byId.get(idOf(type, key));
  }

  /** The orgsync entry at a DN, if any. */
  at(dn: string): Held | undefined {
    const id = this.#byDn.get(dnKey(dn));
    return id === undefined ? undefined : this.#byId.get(id);
  }

  set(entry: Held): Held {
    const held = { ...entry, dn: normaliseDn(entry.dn) };
    const id = idOf(held.type, held.key);
    const old = this.#byId.get(id);
    if (old) this.#byDn.delete(old.dn.toLowerCase());
    this.#byId.set(id, held);
    this.#byDn.set(held.dn.toLowerCase(), id);
    return held;
  }

  forget(type: EntryType, key: string): void {
    const old = this.#byId.get(idOf(type, key));
    if (old) this.#byDn.delete(old.dn.toLowerCase());
    this.#byId.delete(idOf(type, key));
  }

  /** After an entry moved from `oldDn` to `newDn`: every entry below it has a new DN. Returns those. */
  rebase(oldDn: string, newDn: string): Held[] {
    const oldSuffix = `,${dnKey(oldDn)}`;
    const depth = parseDn(oldDn).length;
    const newRdns = parseDn(newDn);
    const moved: Held[] = [];
    for (const held of [...this.#byId.values()]) {
      if (!held.dn.toLowerCase().endsWith(oldSuffix)) continue;
      const rdns = parseDn(held.dn);
      const dn = formatDn([...rdns.slice(0, rdns.length - depth), ...newRdns]);
      moved.push(this.set({ ...held, dn }));
    }
    return moved;
  }
}
