/**
 * Person keys. OPUS and SD identify a person only by CPR number, which must never appear
 * in logs, plans or state. orgsync keys persons by a keyed hash of the CPR instead: stable
 * for as long as the installation keeps its pseudonym key, and useless to anyone without it.
 */
import { hmac } from './hash.js';

export type Pseudonymizer = (cpr: string) => string;

/** The shape of every person key: what a target may trust as one of orgsync's (`p-` + 20 hex). */
export const isPersonKey = (v: string): boolean => /^p-[0-9a-f]{20}$/.test(v);

export function makePseudonymizer(key: string): Pseudonymizer {
  const cache = new Map<string, string>();
  return (cpr) => {
    const normalised = cpr.replace(/[\s-]/g, '');
    let k = cache.get(normalised);
    if (k === undefined) {
      k = 'p-' + hmac(key, 'cpr:' + normalised).slice(0, 20);
      cache.set(normalised, k);
    }
    return k;
  };
}
