/**
 * Where orgsync's objects are in the directory, as read once per run and kept up to date
 * as changes are applied: unit key -> OU, person key -> account, and back from a DN.
 * Renaming or moving an OU changes the DN of everything beneath it, so the index rewrites
 * those DNs itself rather than reading the directory again.
 */
import { normaliseDn } from '../../src/ldap/dn.js';

export interface Placed {
  key: string;
  /** objectGUID; '' for an entry made in this run (learnt on the next read). */
  guid: string;
  dn: string;
}

export interface PlacedAccount extends Placed {
  userAccountControl: number;
}

const dnKey = (dn: string): string => normaliseDn(dn).toLowerCase();

export class Placement {
  readonly units = new Map<string, Placed>();
  readonly persons = new Map<string, PlacedAccount>();
  /**
   * Accounts with an anchor value but no person yet (anchor value -> account): what a
   * create adopts instead of making a second account. Read once; no search per create.
   */
  readonly unclaimed = new Map<string, Omit<PlacedAccount, 'key'>>();
  readonly #byDn = new Map<string, { type: 'unit' | 'person'; key: string }>();

  setUnit(p: Placed): void {
    const old = this.units.get(p.key);
    if (old) this.#byDn.delete(dnKey(old.dn));
    this.units.set(p.key, p);
    this.#byDn.set(dnKey(p.dn), { type: 'unit', key: p.key });
  }

  setPerson(p: PlacedAccount): void {
    const old = this.persons.get(p.key);
    if (old) this.#byDn.delete(dnKey(old.dn));
    this.persons.set(p.key, p);
    this.#byDn.set(dnKey(p.dn), { type: 'person', key: p.key });
  }

  forget(type: 'unit' | 'person', key: string): void {
    const map = type === 'unit' ? this.units : this.persons;
    const old = map.get(key);
    if (old) this.#byDn.delete(dnKey(old.dn));
    map.delete(key);
  }

  /** The orgsync object at a DN, if any. */
  at(dn: string): { type: 'unit' | 'person'; key: string } | undefined {
    return this.#byDn.get(dnKey(dn));
  }

  /** After an OU moved from `oldDn` to `newDn`: every object below it has a new DN. */
  moved(oldDn: string, newDn: string): void {
    const oldSuffix = `,${dnKey(oldDn)}`;
    const newSuffix = `,${normaliseDn(newDn)}`;
    const rewrite = <P extends Placed>(p: P): P | undefined => {
      const norm = normaliseDn(p.dn);
      if (!norm.toLowerCase().endsWith(oldSuffix)) return undefined;
      return { ...p, dn: norm.slice(0, norm.length - oldSuffix.length) + newSuffix };
    };
    for (const u of [...this.units.values()]) {
      const r = rewrite(u);
      if (r) this.setUnit(r);
    }
    for (const p of [...this.persons.values()]) {
      const r = rewrite(p);
      if (r) this.setPerson(r);
    }
  }
}
