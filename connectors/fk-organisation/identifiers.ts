/**
 * The UUIDs orgsync gives FK objects, and the classifier UUIDs from KOMBIT's usage
 * guidelines (contracts/ORIGIN.md) that say what kind of unit, function or address one is.
 */
import { v5 as uuidv5 } from 'uuid';

/** Classifier UUIDs from KOMBIT's usage guidelines (contracts/ORIGIN.md). */
export const ENHEDSTYPE = {
  department: '16bf18c3-ed6f-44b0-b7a1-35f94984e519',
  team: '2d9710bf-e9cc-465f-8ec7-46d5f2a64412',
} as const;

/**
 * The UUID orgsync gives an object in FK: name-based (RFC 9562 version 5) in the
 * municipality's Organisation UUID as namespace, so the same unit always gets the same
 * UUID, an `importer` repeated after a crash finds it, and two installations for two
 * municipalities never collide.
 */
export const fkUuid = (organisation: string, type: string, key: string): string =>
  uuidv5(`orgsync:${type}:${key}`, organisation);

/** Funktionstype classifiers (contracts/ORIGIN.md). */
export const FUNKTIONSTYPE = {
  position: '02e61900-33e0-407f-a2a7-22f70221f003',
  manager: '46c73630-f7ad-4000-9624-c06131cde671',
} as const;

/** Address classifiers (contracts/ORIGIN.md): Type per owner, Rolle per kind of value. */
export const UNIT_ADDRESSES = {
  type: '9b33c0a0-a566-4ec0-8200-325cb1e5bb9a',
  roles: {
    email: '2b670843-ce42-411a-8fb5-311dfdd5caf0',
    postAddress: '80b610c6-314b-485a-a014-a9a1d7070bc4',
    phone: '8dcfa714-5ed3-4000-b551-2ba520e7d8ad',
    ean: '9ccaafe4-c4b2-4d25-942a-2ec5730d4ed8',
    pNumber: '7c6e2a82-ec39-4ec4-a2b7-fdfe667e1d2b',
  },
} as const;
export const USER_ADDRESSES = {
  type: '71a08d28-3af7-4bb4-9964-bc2b76b93d64',
  roles: {
    email: '5d13e891-162a-456b-abf2-fd9b864df96d',
    phone: '5ef6be2d-59f4-4652-a680-585929924ba9',
    landline: '47c05422-5379-4c27-9ddf-e02b52b3d961',
    location: 'ad04ac80-e24a-45a5-9dd9-8537a916ac74',
  },
} as const;
