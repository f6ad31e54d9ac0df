/**
 * One security group per unit (optional). A person's group is a virtual attribute of the
 * account (`groups.attribute`, default unitGroup): read from memberOf, written by moving
 * the account from one group to another. Groups are made when first needed, so they exist
 * whether or not units are mirrored as OUs, and are marked like orgsync's OUs.
 */

import { childDn, normaliseDn } from '../../src/ldap/dn.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { AttrValue } from '../../src/sdk/types.js';
import type { AdConfig } from './config.js';
import type { Directory } from './directory.js';
import { first, values } from './entries.js';

const GROUP_MARK = 'orgsync-group:';
/** groupType: a global security group (0x2 | 0x80000000), as a signed 32-bit number. */
const GLOBAL_SECURITY = String(0x2 | 0x80000000 | 0);

const dnKey = (dn: string) => normaliseDn(dn).toLowerCase();

export class UnitGroups {
  readonly #dir: Directory;
  readonly #cfg: AdConfig['groups'];
  readonly #anchor: string;
  readonly #byKey = new Map<string, string>();
  readonly #keyByDn = new Map<string, string>();

  constructor(dir: Directory, cfg: AdConfig) {
    this.#dir = dir;
    this.#cfg = cfg.groups;
    this.#anchor = cfg.units.anchorAttribute;
  }

  get enabled(): boolean {
    return this.#cfg.enabled;
  }

  get attribute(): string {
    return this.#cfg.attribute;
  }

  async read(): Promise<void> {
    if (!this.enabled) return;
    const entries = await this.#dir.search(this.#cfg.base!, `(${this.#anchor}=${GROUP_MARK}*)`, [
      this.#anchor,
    ]);
    for (const e of entries) this.#remember(first(e, this.#anchor)!.slice(GROUP_MARK.length), e.dn);
  }

  #remember(key: string, dn: string): void {
    this.#byKey.set(key, dn);
    this.#keyByDn.set(dnKey(dn), key);
  }

  /** person key -> the unit whose group holds their account, as read and as moved since. */
  readonly #groupOf = new Map<string, string>();

  /** The unit key of the orgsync group among a person's memberOf values, or null. */
  memberOf(personKey: string, memberOf: readonly string[]): AttrValue {
    for (const dn of memberOf) {
      const key = this.#keyByDn.get(dnKey(dn));
      if (key !== undefined) {
        this.#groupOf.set(personKey, key);
        return key;
      }
    }
    return null;
  }

  /** A leaver leaves their unit's group. */
  async leave(personKey: string, accountDn: string, label: string): Promise<void> {
    const from = this.#groupOf.get(personKey);
    if (from !== undefined) await this.move(personKey, accountDn, from, null, label);
  }

  /** Moves an account from the group of unit `from` to that of unit `to` (either may be none). */
  async move(
    personKey: string,
    accountDn: string,
    from: AttrValue | undefined,
    to: AttrValue,
    label: string,
  ): Promise<void> {
    if (typeof from === 'string' && from !== '' && from !== to) {
      const dn = this.#byKey.get(from);
      if (dn)
        await this.#dir.change(dn, 'delete', 'member', [accountDn], `the group of unit ${from}: ${label}`);
    }
    if (typeof to !== 'string' || to === '') {
      this.#groupOf.delete(personKey);
      return;
    }
    this.#groupOf.set(personKey, to);
    if (to === from) return;
    const dn = await this.#ensure(to);
    await this.#dir
      .change(dn, 'add', 'member', [accountDn], `the group of unit ${to}: ${label}`)
      .catch((e: unknown) => {
        // Already a member (an interrupted run got this far): the goal is reached.
        if (!(e instanceof ConnectorError && e.kind === 'invalid-value' && /LDAP 20 /.test(e.message)))
          throw e;
      });
  }

  async #ensure(key: string): Promise<string> {
    const known = this.#byKey.get(key);
    if (known) return known;
    const name = `${this.#cfg.prefix}${key}`;
    const dn = childDn('CN', name, this.#cfg.base!);
    await this.#dir
      .add(
        dn,
        {
          objectClass: ['top', 'group'],
          sAMAccountName: [name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)],
          groupType: [GLOBAL_SECURITY],
          [this.#anchor]: [`${GROUP_MARK}${key}`],
        },
        `the group of unit ${key}`,
      )
      .catch((e: unknown) => {
        if (!(e instanceof ConnectorError && e.kind === 'conflict')) throw e;
      });
    this.#remember(key, dn);
    return dn;
  }

  /** A closed unit's group goes with its OU. */
  async remove(key: string): Promise<void> {
    const dn = this.#byKey.get(key);
    if (!dn) return;
    await this.#dir.remove(dn, `the group of unit ${key}`).catch((e: unknown) => {
      if (!(e instanceof ConnectorError && e.kind === 'not-found')) throw e;
    });
    this.#byKey.delete(key);
    this.#keyByDn.delete(dnKey(dn));
  }
}

/** memberOf values of an entry (for UnitGroups.memberOf). */
export const memberOfValues = (e: Parameters<typeof values>[0]) => values(e, 'memberOf');
