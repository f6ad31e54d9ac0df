/**
 * What the real service refuses although the XSDs allow it. The sd base types are shared with
 * the search messages, so the XSDs make almost everything optional (Virkning, its parts, the
 * ReferenceID); the service itself does not accept a registration it cannot place in time or
 * tie to an actor. Each rule says why. The simulator answers these like the service does: a
 * StandardRetur 40 (47 for a period that ends before it starts), not a fault.
 */

import type { Lists } from './model.js';
import { instant } from './model.js';
import { NS, type ServiceInfo } from './services.js';
import type { Item, UnikId, Virkning } from './store.js';

export interface Refusal {
  status: 40 | 47;
  message: string;
}

/** The canonical textual UUID; the XSD's pattern allows the same shape, this also refuses the nil UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL = '00000000-0000-0000-0000-000000000000';

/** The rules for a registration's lists: importer (`requireEgenskab`) and ret. */
export function checkLists(service: ServiceInfo, lists: Lists, requireEgenskab: boolean): Refusal | null {
  // An object without any Egenskab has no BrugervendtNoegleTekst and no name: FK's own UI and
  // every reader (search by BrugervendtNoegleTekst) would have nothing to show, and the service
  // refuses it. The XSD allows an empty AttributListe.
  if (requireEgenskab && !(lists.attributes ?? []).some((i) => i.name === 'Egenskab')) {
    return { status: 40, message: `${service.prefix}:AttributListe: at least one Egenskab is required` };
  }
  const all = [
    ...(lists.attributes ?? []).map((item, i) => ({ item, where: `${label(service, item)} #${i + 1}` })),
    ...(lists.states ?? []).map((item, i) => ({ item, where: `${label(service, item)} #${i + 1}` })),
    ...(lists.relations ?? []).map((item, i) => ({ item, where: `${label(service, item)} #${i + 1}` })),
  ];
  for (const { item, where } of all) {
    const refusal = checkItem(item, where);
    if (refusal) return refusal;
  }
  return null;
}

function checkItem(item: Item, where: string): Refusal | null {
  // Every value, state and relation has its own validity (ORIGIN.md "Object model"): without a
  // Virkning the service cannot tell from when a value holds, and ret would have nothing to end.
  if (!item.virkning) return refuse(`${where}: sd:Virkning is required`);
  const v = checkVirkning(item.virkning, where);
  if (v) return v;
  for (const field of item.fields) {
    // BrugervendtNoegleTekst is at most 50 characters (SagDokObjekt.xsd maxLength, which the XSD
    // check meets first; kept here so the rule holds for stored objects built without the XSD).
    if (field.ns === NS.sd && field.name === 'BrugervendtNoegleTekst' && [...field.value].length > 50) {
      return refuse(`${where}: sd:BrugervendtNoegleTekst is longer than 50 characters`);
    }
  }
  // A relation points at another object by UUID: a URN or the nil UUID names no object of the
  // platform, and FK resolves relations by UUID only (the XSD's UnikIdType also allows a URN).
  const id = (name: string, ref: UnikId | undefined) => {
    if (ref === undefined) return null;
    if (!('uuid' in ref)) return refuse(`${where}: sd:${name} must be a UUIDIdentifikator, not a URN`);
    if (!UUID.test(ref.uuid) || ref.uuid === NIL)
      return refuse(`${where}: sd:${name} '${ref.uuid}' is not a UUID`);
    return null;
  };
  return id('ReferenceID', item.reference) ?? id('Rolle', item.rolle) ?? id('Type', item.type);
}

function checkVirkning(v: Virkning, where: string): Refusal | null {
  // The start is the whole point of a Virkning (an open start would rewrite all of history);
  // the actor is who is accountable for the value (the municipality's Organisation). The XSD
  // has both minOccurs="0".
  if (!v.from) return refuse(`${where}: sd:Virkning has no sd:FraTidspunkt`);
  if (!v.actor) return refuse(`${where}: sd:Virkning has no sd:AktoerRef`);
  const from = instant(v.from, 'from');
  const to = instant(v.to, 'to');
  // xs:dateTime allows values no clock reads (year 10000, 24:00:00): refused, not guessed.
  if (Number.isNaN(from) || Number.isNaN(to))
    return refuse(`${where}: sd:Virkning has an unreadable timestamp`);
  // A period that ends before it starts: the service's 47 (invalid validity period).
  if (from > to) {
    return { status: 47, message: `${where}: sd:Virkning FraTidspunkt is after TilTidspunkt` };
  }
  return null;
}

const refuse = (message: string): Refusal => ({ status: 40, message });

function label(service: ServiceInfo, item: Item): string {
  const prefix = item.ns === service.ns ? service.prefix : item.ns === NS.orgfaelles ? 'orgfaelles' : 'sd';
  return `${prefix}:${item.name}`;
}
