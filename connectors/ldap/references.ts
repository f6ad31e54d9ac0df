/**
 * References: attributes whose desired value is the key of another person or unit (manager)
 * and whose LDAP value is the DN of that object's entry.
 *
 * OpenLDAP does not follow renames in DN-valued attributes unless the refint overlay is
 * configured, and orgsync cannot count on it. So the connector keeps track of who points at
 * whom (learnt on read, and from what it writes) and, when an entry is made or its DN changes
 * (renamed, moved, or below an OU that moved), writes the new DN into every entry pointing at
 * it. A reference to an entry that does not exist yet (made later in the same run) is written
 * when that entry is made.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../../src/sdk/errors.js';
import { getOrCreate } from '../../src/util/collections.js';
import { type EntryType, idOf, type Tree } from './tree.js';

/** Writes `dn` into attribute `attribute` of the entry of `referrer` (a `type:key` id). */
export type ReferenceWriter = (referrer: string, attribute: string, dn: string) => Promise<void>;

export class References {
  readonly #kinds: Readonly<Record<string, EntryType>>;
  readonly #tree: Tree;
  /** target id -> (referrer id -> attributes) */
  readonly #pointing = new Map<string, Map<string, Set<string>>>();
  /** `referrer id \0 attribute` -> target id */
  readonly #points = new Map<string, string>();

  constructor(kinds: Readonly<Record<string, EntryType>>, tree: Tree) {
    this.#kinds = kinds;
    this.#tree = tree;
  }

  /** The type of object an attribute refers to, when it is a reference. */
  kindOf(attribute: string): EntryType | undefined {
    return Object.hasOwn(this.#kinds, attribute) ? this.#kinds[attribute] : undefined;
  }

  /** Records that `referrer`'s `attribute` names `target` (or nothing). */
  #point(referrer: string, attribute: string, target: string | null): void {
    const slot = `${referrer}\0${attribute}`;
    const old = this.#points.get(slot);
    if (old !== undefined) this.#pointing.get(old)?.get(referrer)?.delete(attribute);
    if (target === null) {
      this.#points.delete(slot);
      return;
    }
    this.#points.set(slot, target);
    const byReferrer = getOrCreate(this.#pointing, target, () => new Map<string, Set<string>>());
    getOrCreate(byReferrer, referrer, () => new Set<string>()).add(attribute);
  }

  /** Read: the key of the orgsync entry a DN names (remembered as a pointer), else the DN. */
  keyOfDn(referrer: string, attribute: string, dn: string): string {
    const kind = this.kindOf(attribute);
    let held: ReturnType<Tree['at']>;
    try {
      held = this.#tree.at(dn);
    } catch {
      held = undefined; // not a DN at all: it differs from every key, so it gets corrected
    }
    if (!kind || !held || held.type !== kind) return dn;
    this.#point(referrer, attribute, idOf(held.type, held.key));
    return held.key;
  }

  /**
   * Write: the DN of the entry that `key` names, or undefined when it has none yet (the
   * value is then written when that entry is made). `key` null clears the reference.
   */
  dnOf(referrer: string, attribute: string, key: string | null): string | undefined {
    const kind = this.kindOf(attribute);
    if (!kind) throw new ConnectorError('invalid-config', `${attribute} is not a reference attribute`);
    if (key === null) {
      this.#point(referrer, attribute, null);
      return undefined;
    }
    this.#point(referrer, attribute, idOf(kind, key));
    return this.#tree.get(kind, key)?.dn;
  }

  /** The referrer is gone: it points at nothing any more. */
  forgetReferrer(referrer: string): void {
    for (const attribute of Object.keys(this.#kinds)) this.#point(referrer, attribute, null);
  }

  /**
   * The entry `target` was made or got a new DN: writes that DN into every entry pointing at
   * it. A failure is logged, not thrown: the change that moved the target did happen, and the
   * next read sees the stale DN and plans the update again.
   */
  async arrived(target: string, write: ReferenceWriter, logger: Logger): Promise<void> {
    const byReferrer = this.#pointing.get(target);
    const [type, ...rest] = target.split(':');
    const held = this.#tree.get(type as EntryType, rest.join(':'));
    if (!byReferrer || !held) return;
    for (const [referrer, attributes] of byReferrer) {
      for (const attribute of attributes) {
        try {
          await write(referrer, attribute, held.dn);
        } catch (e) {
          logger.warn(
            { referrer, attribute, target, err: e instanceof Error ? e.message : String(e) },
            'reference not rewritten after its target moved; the next run corrects it',
          );
        }
      }
    }
  }
}
