/**
 * Checking XML signatures, for the client (the STS's signature on an issued assertion, when
 * the STS certificate is configured) and for the simulator (that one, and the signature on
 * every request). The key always comes from the caller, never from the signature's own
 * KeyInfo. Results are reasons, for faults and messages.
 *
 * Two ways, one meaning. The signatures this code and the simulated STS make (exc-c14n without
 * InclusiveNamespaces, rsa-sha256, sha256) are checked directly (`verifyDirect`): elements found
 * by ID in one walk over the parsed document, canonicalised with xml-crypto's
 * ExclusiveCanonicalization, digests and the RSA signature checked with node:crypto. Anything
 * else (an STS that uses an InclusiveNamespaces PrefixList, other algorithms) goes to
 * xml-crypto's SignedXml as before. SignedXml parses the document again and searches it by
 * XPath for every reference, ~15 ms per signature for a signed call; the direct way is well
 * under a millisecond.
 */
import { verify } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { excC14n, publicKeyOf, sha256 } from './c14n.js';
import { NS, URI } from './ns.js';
import { StrTransform, strAssertionId } from './str-transform.js';
import { allElements, childOf, childrenOf, elementChildren } from './xml.js';

type Doc = Document;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

function verifier(certificatePem: string): SignedXml {
  const sx = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  sx.CanonicalizationAlgorithms[URI.strTransform] = StrTransform;
  return sx;
}

function check(sx: SignedXml, signature: Element, xml: string): string | undefined {
  try {
    sx.loadSignature(signature as never);
    if (!sx.checkSignature(xml)) {
      const failed = sx.getReferences().find((r) => r.validationError);
      return failed?.validationError?.message ?? 'a reference does not verify';
    }
    return undefined;
  } catch (e) {
    return message(e);
  }
}

/**
 * Checks the STS's enveloped signature on `assertion` (in `doc`, `xml` parsed) with the STS's
 * certificate: one Reference, to the assertion's own ID, enveloped-signature + exc-c14n,
 * rsa-sha256. Returns why not, or undefined when it holds.
 */
export function assertionSignatureProblem(
  xml: string,
  doc: Doc,
  assertion: Element,
  stsCertificatePem: string,
): string | undefined {
  const id = assertion.getAttribute('ID');
  if (!id) return 'the assertion has no ID';
  const signature = childOf(assertion, NS.ds, 'Signature');
  if (!signature) return 'the assertion is not signed';
  const signedInfo = childOf(signature, NS.ds, 'SignedInfo');
  const refs = signedInfo ? childrenOf(signedInfo, NS.ds, 'Reference') : [];
  if (refs.length !== 1 || refs[0]!.getAttribute('URI') !== `#${id}`) {
    return 'the assertion signature does not reference the assertion (and only it)';
  }
  const transforms = transformsOf(refs[0]!);
  if (!transforms.includes(URI.envelopedSignature) || transforms.some((t) => !ASSERTION_TRANSFORMS.has(t))) {
    return 'the assertion signature must use enveloped-signature and exclusive c14n only';
  }
  if (sameIdCount(doc, id) !== 1) return 'more than one element has the assertion ID';
  const problem = verifyDirect(xml, doc, signature, stsCertificatePem, assertion);
  return problem === undefined ? undefined : `the assertion signature does not verify: ${problem}`;
}

const ASSERTION_TRANSFORMS = new Set<string>([URI.envelopedSignature, URI.excC14n]);

function transformsOf(ref: Element): string[] {
  const t = childOf(ref, NS.ds, 'Transforms');
  return t ? childrenOf(t, NS.ds, 'Transform').map((x) => x.getAttribute('Algorithm') ?? '') : [];
}

function sameIdCount(doc: Doc, id: string): number {
  let n = 0;
  for (const el of allElements(doc)) {
    for (let k = 0; k < el.attributes.length; k++) {
      const a = el.attributes.item(k);
      if (a && (a.localName === 'Id' || a.localName === 'ID' || a.localName === 'id') && a.value === id) n++;
    }
  }
  return n;
}

export interface SignedMessage {
  /** The IDs of the elements signed directly (exc-c14n), without '#'. */
  ids: Set<string>;
  /** The IDs of SAML assertions signed through an STR-Transform. */
  assertionIds: Set<string>;
}

/**
 * Checks a WS-Security message signature with `certificatePem`: exc-c14n over SignedInfo,
 * rsa-sha256, sha256 digests, references by ID with exc-c14n or the STR-Transform (whose
 * TransformationParameters must name exc-c14n). Returns what it covers, or why not.
 */
export function checkMessageSignature(
  xml: string,
  doc: Doc,
  signature: Element,
  certificatePem: string,
): SignedMessage | { problem: string } {
  const signedInfo = childOf(signature, NS.ds, 'SignedInfo');
  if (!signedInfo) return { problem: 'the signature has no SignedInfo' };
  const c14n = childOf(signedInfo, NS.ds, 'CanonicalizationMethod')?.getAttribute('Algorithm');
  const method = childOf(signedInfo, NS.ds, 'SignatureMethod')?.getAttribute('Algorithm');
  if (c14n !== URI.excC14n) return { problem: `SignedInfo must be canonicalised with exc-c14n, not ${c14n}` };
  if (method !== URI.rsaSha256) return { problem: `the signature method must be rsa-sha256, not ${method}` };
  const out: SignedMessage = { ids: new Set(), assertionIds: new Set() };
  const byId = new Map<string, Element>();
  for (const el of allElements(doc)) {
    const id = el.getAttributeNS(NS.wsu, 'Id');
    if (id) byId.set(id, el);
  }
  for (const ref of childrenOf(signedInfo, NS.ds, 'Reference')) {
    const uri = ref.getAttribute('URI') ?? '';
    if (!uri.startsWith('#') || uri.length < 2) return { problem: `reference '${uri}' is not by ID` };
    const digest = childOf(ref, NS.ds, 'DigestMethod')?.getAttribute('Algorithm');
    if (digest !== URI.sha256)
      return { problem: `reference ${uri}: the digest must be sha256, not ${digest}` };
    const transforms = transformsOf(ref);
    if (transforms.length === 1 && transforms[0] === URI.excC14n) {
      out.ids.add(uri.slice(1));
    } else if (transforms.length === 1 && transforms[0] === URI.strTransform) {
      const t = childrenOf(childOf(ref, NS.ds, 'Transforms')!, NS.ds, 'Transform')[0]!;
      const params = childOf(t, NS.wsse, 'TransformationParameters');
      const paramC14n = params && childOf(params, NS.ds, 'CanonicalizationMethod')?.getAttribute('Algorithm');
      if (paramC14n !== URI.excC14n) {
        return {
          problem: `reference ${uri}: the STR-Transform needs TransformationParameters naming exc-c14n`,
        };
      }
      const str = byId.get(uri.slice(1));
      const target =
        str && str.namespaceURI === NS.wsse && str.localName === 'SecurityTokenReference'
          ? strAssertionId(str)
          : undefined;
      if (!target)
        return { problem: `reference ${uri}: the STR-Transform must point at an STR naming an assertion` };
      out.assertionIds.add(target);
    } else {
      return { problem: `reference ${uri}: transforms must be exc-c14n or the STR-Transform` };
    }
  }
  const problem = verifyDirect(xml, doc, signature, certificatePem);
  return problem === undefined ? out : { problem: `the message signature does not verify: ${problem}` };
}

/** The Transforms `verifyDirect` handles; a signature with others goes to xml-crypto. */
const DIRECT_TRANSFORMS = [[URI.excC14n], [URI.strTransform], [URI.envelopedSignature, URI.excC14n]].map(
  (t) => t.join(' '),
);

/**
 * Checks `signature` in `doc` with `certificatePem` as xml-crypto's SignedXml.checkSignature
 * would, without its XPath searches and re-parsing; returns why not, or undefined. Signatures
 * outside what it handles (an InclusiveNamespaces PrefixList, whose canonical form depends on
 * the ancestors' namespaces; algorithms other than exc-c14n, rsa-sha256, sha256 and the
 * transforms above) are handed to xml-crypto. `envelopedIn`: the element whose enveloped
 * signature this is (its Reference digests it without the signature).
 *
 * As SignedXml: each `#id` Reference names exactly one element by an Id, ID or id attribute
 * (more than one is refused, against signature wrapping); each digest is checked, then the
 * RSA signature over SignedInfo's canonical form.
 */
function verifyDirect(
  xml: string,
  doc: Doc,
  signature: Element,
  certificatePem: string,
  envelopedIn?: Element,
): string | undefined {
  const signedInfo = childOf(signature, NS.ds, 'SignedInfo');
  const algorithmOf = (el: Element | undefined, name: string) =>
    el && childOf(el, NS.ds, name)?.getAttribute('Algorithm');
  const refs = signedInfo ? childrenOf(signedInfo, NS.ds, 'Reference') : [];
  const direct =
    signedInfo &&
    algorithmOf(signedInfo, 'CanonicalizationMethod') === URI.excC14n &&
    algorithmOf(signedInfo, 'SignatureMethod') === URI.rsaSha256 &&
    refs.every(
      (r) =>
        algorithmOf(r, 'DigestMethod') === URI.sha256 &&
        DIRECT_TRANSFORMS.includes(transformsOf(r).join(' ')),
    ) &&
    !hasInclusiveNamespaces(signature);
  if (!direct) return check(verifier(certificatePem), signature, xml);
  if (!refs.length) return 'the signature has no Reference';

  let key: ReturnType<typeof publicKeyOf>;
  try {
    key = publicKeyOf(certificatePem);
  } catch (e) {
    return `the certificate cannot be read: ${message(e)}`;
  }
  const ids = idIndex(doc);
  for (const ref of refs) {
    const uri = ref.getAttribute('URI') ?? '';
    const id = uri.startsWith('#') ? uri.slice(1) : '';
    const found = ids.get(id) ?? [];
    if (!id) return `reference '${uri}' is not by ID`;
    if (found.length > 1) return `more than one element has the ID of reference ${uri}`;
    const target = found[0];
    if (!target) return `no element has the ID of reference ${uri}`;
    const digestValues = childrenOf(ref, NS.ds, 'DigestValue');
    if (digestValues.length !== 1 || !digestValues[0]!.textContent?.trim()) {
      return `reference ${uri} has no DigestValue`;
    }
    const canonical = referenceCanonical(doc, target, transformsOf(ref), signature, envelopedIn);
    if (typeof canonical !== 'string') return `reference ${uri}: ${canonical.problem}`;
    const supplied = digestValues[0]!.textContent ?? '';
    const digest = sha256(canonical);
    if (!Buffer.from(digest, 'base64').equals(Buffer.from(supplied, 'base64'))) {
      // xml-crypto's wording, which operators and tests know.
      return `invalid signature: for uri ${uri} calculated digest is ${digest} but the xml to validate supplies digest ${supplied}`;
    }
  }
  const value = childOf(signature, NS.ds, 'SignatureValue')?.textContent ?? '';
  const canonicalSignedInfo = excC14n(signedInfo);
  const valid = verify('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), key, Buffer.from(value, 'base64'));
  return valid ? undefined : 'the signature value is incorrect';
}

/**
 * What a Reference digests: `target` through its transforms. exc-c14n as it is; the
 * STR-Transform, the exc-c14n form of the one assertion the STR names; enveloped-signature
 * then exc-c14n, `target` without `signature` (detached for the moment and put back).
 */
function referenceCanonical(
  doc: Doc,
  target: Element,
  transforms: string[],
  signature: Element,
  envelopedIn: Element | undefined,
): string | { problem: string } {
  const only = transforms.length === 1 ? transforms[0] : undefined;
  if (only === URI.excC14n) return excC14n(target);
  if (only === URI.strTransform) {
    if (!(target.namespaceURI === NS.wsse && target.localName === 'SecurityTokenReference')) {
      return { problem: 'the STR-Transform does not point at a wsse:SecurityTokenReference' };
    }
    const id = strAssertionId(target);
    if (!id) return { problem: 'the SecurityTokenReference names no SAML assertion' };
    const found = allElements(doc).filter(
      (el) => el.namespaceURI === NS.saml2 && el.localName === 'Assertion' && el.getAttribute('ID') === id,
    );
    if (found.length !== 1) return { problem: `${found.length} SAML assertions have the ID the STR names` };
    return excC14n(found[0]!);
  }
  // enveloped-signature, exc-c14n: only for the element the signature is in (the assertion).
  if (target !== envelopedIn || signature.parentNode !== target) {
    return { problem: 'the enveloped-signature transform is not for the element the signature is in' };
  }
  const next = signature.nextSibling;
  target.removeChild(signature);
  try {
    return excC14n(target);
  } finally {
    target.insertBefore(signature, next);
  }
}

function hasInclusiveNamespaces(el: Element): boolean {
  return elementChildren(el).some((c) => c.localName === 'InclusiveNamespaces' || hasInclusiveNamespaces(c));
}

/** Every element by the value of its Id, ID and id attributes (one entry per name that has it). */
function idIndex(doc: Doc): Map<string, Element[]> {
  const index = new Map<string, Element[]>();
  for (const el of allElements(doc)) {
    for (const name of ID_NAMES) {
      const values = new Set<string>();
      for (let k = 0; k < el.attributes.length; k++) {
        const a = el.attributes.item(k);
        if (a && a.localName === name && a.prefix !== 'xmlns') values.add(a.value);
      }
      for (const v of values) index.set(v, [...(index.get(v) ?? []), el]);
    }
  }
  return index;
}

const ID_NAMES = ['Id', 'ID', 'id'] as const;
