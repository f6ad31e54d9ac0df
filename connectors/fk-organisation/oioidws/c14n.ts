/**
 * The few primitives the fast signing and checking paths (secure.ts, sign.ts, verify.ts) share:
 * exclusive canonicalisation of an element, a SHA-256 digest, text escaped the way exc-c14n
 * writes it, and public keys parsed once.
 *
 * Canonicalisation is xml-crypto's own ExclusiveCanonicalization (the code its SignedXml runs),
 * called directly on an element: what is slow in SignedXml is finding elements by XPath over the
 * whole document and parsing it again for every reference, not the canonicalisation.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';

const EXCLUSIVE = new ExclusiveCanonicalization();

/**
 * `el` under exclusive XML canonicalisation without an InclusiveNamespaces PrefixList (callers
 * that meet one take xml-crypto's general path instead). The result depends on `el`'s subtree
 * only: exc-c14n declares each namespace prefix where it is first used, whatever ancestors declare.
 */
export function excC14n(el: Element): string {
  return EXCLUSIVE.process(el as never, {}) as string;
}

/** The base64 SHA-256 digest of `text` in UTF-8 (a ds:DigestValue). */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/**
 * Character data as exc-c14n writes it (`&`, `<`, `>` and CR as references, quotes as they are).
 * Also well-formed XML, so text written this way is its own canonical form.
 */
export function c14nText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

const publicKeys = new Map<string, KeyObject>();

/**
 * The public key of a PEM certificate (or key), parsed once: the simulator checks every call
 * with the same few certificates. A small cache, emptied when it grows past 64 entries.
 */
export function publicKeyOf(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (publicKeys.size >= 64) publicKeys.clear();
    publicKeys.set(pem, key);
  }
  return key;
}
