/**
 * The simulator's state: objects by service and UUID, each a list of registrations (the
 * bitemporal "registrering" of the OIO object model, ORIGIN.md). The content is kept
 * generic for all six services: every Egenskab, Gyldighed and relation is an `Item` (its
 * element name, its own Virkning, its leaf values, and for relations the reference, Rolle,
 * Type and Indeks), in the order the client sent them (which the XSD has checked), so a
 * registration can be serialised back as it came.
 */
import type { EntityService } from './services.js';

/** A point in time: a timestamp (xs:dateTime as sent), or the open bound (GraenseIndikator). */
export type Tidspunkt = { readonly time: string } | { readonly open: true };

/** sd:UnikIdType: a UUID or a URN. */
export type UnikId = { readonly uuid: string } | { readonly urn: string };

/** Rolle and Type of an address relation: a UnikId with an optional Label. */
export type LabelledId = UnikId & { readonly label?: string };

export interface Virkning {
  readonly from?: Tidspunkt;
  readonly to?: Tidspunkt;
  readonly actor?: UnikId;
  readonly actorType?: string;
  readonly note?: string;
}

/** A leaf value of an Egenskab or Gyldighed: `{urn:oio:sagdok:3.0.0}BrugervendtNoegleTekst` = `OU-1042`. */
export interface Field {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

/** One Egenskab, Gyldighed or relation element. */
export interface Item {
  readonly ns: string;
  /** `Egenskab`, `Gyldighed`, `Tilhoerer`, `Adresser`... */
  readonly name: string;
  readonly virkning?: Virkning;
  /** Egenskab and Gyldighed values, in document order. */
  readonly fields: readonly Field[];
  /** Relations: ReferenceID, and for Adresser/Opgaver Rolle, Type and Indeks. */
  readonly reference?: UnikId;
  readonly rolle?: LabelledId;
  readonly type?: LabelledId;
  readonly indeks?: string;
}

export type LivscyklusKode = 'Opstaaet' | 'Importeret' | 'Passiveret' | 'Slettet';

export interface Registration {
  /** When the registration was made, by the simulator's clock (ISO 8601). */
  readonly tidspunkt: string;
  readonly livscyklus: LivscyklusKode;
  readonly brugerRef?: UnikId;
  readonly note?: string;
  readonly attributes: readonly Item[];
  readonly states: readonly Item[];
  readonly relations: readonly Item[];
}

export interface StoredObject {
  readonly service: EntityService;
  /** Lower-case: UUIDs are compared without regard to case. */
  readonly uuid: string;
  readonly registrations: Registration[];
}

export const latest = (obj: StoredObject): Registration => obj.registrations[obj.registrations.length - 1]!;

/** Passivated or deleted objects are read-only (ret and passiver answer 49). */
export const isClosed = (obj: StoredObject): boolean => {
  const code = latest(obj).livscyklus;
  return code === 'Passiveret' || code === 'Slettet';
};

export class RegistrationStore {
  private readonly objects = new Map<EntityService, Map<string, StoredObject>>();

  get(service: EntityService, uuid: string): StoredObject | undefined {
    return this.objects.get(service)?.get(uuid.toLowerCase());
  }

  has(service: EntityService, uuid: string): boolean {
    return this.get(service, uuid) !== undefined;
  }

  /** A new object with its first registration; throws if the UUID is taken (callers check first). */
  create(service: EntityService, uuid: string, first: Registration): StoredObject {
    let byUuid = this.objects.get(service);
    if (!byUuid) {
      byUuid = new Map();
      this.objects.set(service, byUuid);
    }
    const key = uuid.toLowerCase();
    if (byUuid.has(key)) throw new Error(`RegistrationStore: ${service} ${key} exists`);
    const obj: StoredObject = { service, uuid: key, registrations: [first] };
    byUuid.set(key, obj);
    return obj;
  }

  /** Adds a registration to an existing object; throws if there is none. */
  append(service: EntityService, uuid: string, next: Registration): StoredObject {
    const obj = this.get(service, uuid);
    if (!obj) throw new Error(`RegistrationStore: no ${service} ${uuid}`);
    obj.registrations.push(next);
    return obj;
  }

  /** The objects of a service, in creation order. */
  all(service: EntityService): StoredObject[] {
    return [...(this.objects.get(service)?.values() ?? [])];
  }

  size(service?: EntityService): number {
    if (service) return this.objects.get(service)?.size ?? 0;
    let n = 0;
    for (const m of this.objects.values()) n += m.size;
    return n;
  }

  clear(): void {
    this.objects.clear();
  }
}
