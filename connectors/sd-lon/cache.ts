/**
 * The last complete read of each institution's persons and employments, kept in the source's
 * work directory so that an intraday run asks SD only for what changed since. SD has no
 * delta feed for the organisation, so departments are never cached.
 *
 * The file holds CPR numbers and names, so it is encrypted (AES-256-GCM) under a key derived
 * from the installation's pseudonym key, written with mode 0600, and replaced atomically
 * only after a read completed: a failed or interrupted read leaves the previous cache whole.
 * A cache that cannot be read (another key, damage, an older format) is ignored, and the
 * run does a full read instead.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SdContact, SdEmployment, SdPerson } from './model.js';

const FORMAT = 2;

export interface InstitutionCache {
  /** The day the employments were resolved for last. */
  asOf: string;
  /** When the last read began (ISO timestamp): the next changed-at window starts here. */
  readAt: string;
  /** When the full read the deltas build on began: past `fullReadAfterHours`, read in full again. */
  fullReadAt: string;
  persons: Map<string, SdPerson>;
  /** By employmentKey(id, cpr). */
  employments: Map<string, SdEmployment>;
}

export interface SdCache {
  /** What the cache was read with (URL and institutions): another setup starts afresh. */
  setup: string;
  institutions: Map<string, InstitutionCache>;
}

interface Serialised {
  format: number;
  setup: string;
  institutions: [
    string,
    {
      asOf: string;
      readAt: string;
      fullReadAt: string;
      persons: [string, Omit<SdPerson, 'employmentContacts'> & { contacts: [string, SdContact][] }][];
      employments: [string, SdEmployment][];
    },
  ][];
}

export const cacheFile = (workDir: string, instance: string): string =>
  join(workDir, `${instance}.sd-lon-cache.bin`);

/** The key: derived from the pseudonymiser, so only this installation can read the file. */
export function cacheKey(pseudonymize: (cpr: string) => string): Buffer {
  return createHash('sha256')
    .update(`orgsync sd-lon cache|${pseudonymize('0000000000')}|${pseudonymize('9999999999')}`)
    .digest();
}

export async function loadCache(file: string, key: Buffer): Promise<SdCache | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return null;
  }
  try {
    const iv = bytes.subarray(0, 12);
    const tag = bytes.subarray(12, 28);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    const json = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    const data = JSON.parse(json) as Serialised;
    if (data.format !== FORMAT) return null;
    return {
      setup: data.setup,
      institutions: new Map(
        data.institutions.map(([id, c]) => [
          id,
          {
            asOf: c.asOf,
            readAt: c.readAt,
            fullReadAt: c.fullReadAt,
            persons: new Map(
              c.persons.map(([cpr, p]) => [
                cpr,
                {
                  cpr: p.cpr,
                  givenName: p.givenName,
                  surname: p.surname,
                  employmentContacts: new Map(p.contacts),
                },
              ]),
            ),
            employments: new Map(c.employments),
          },
        ]),
      ),
    };
  } catch {
    return null;
  }
}

export async function saveCache(file: string, key: Buffer, cache: SdCache): Promise<void> {
  const data: Serialised = {
    format: FORMAT,
    setup: cache.setup,
    institutions: [...cache.institutions].map(([id, c]) => [
      id,
      {
        asOf: c.asOf,
        readAt: c.readAt,
        fullReadAt: c.fullReadAt,
        persons: [...c.persons].map(([cpr, p]) => [
          cpr,
          { cpr: p.cpr, givenName: p.givenName, surname: p.surname, contacts: [...p.employmentContacts] },
        ]),
        employments: [...c.employments],
      },
    ]),
  };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
  await rename(tmp, file);
}

/** With deltas off, a cache from earlier runs has no use and holds personal data: remove it. */
export const removeCache = (file: string): Promise<void> => rm(file, { force: true });
