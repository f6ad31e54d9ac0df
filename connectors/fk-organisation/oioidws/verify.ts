/**
 * Checking XML signatures with xml-crypto, for the client (the STS's signature on an issued
 * assertion, when the STS certificate is configured) and for the simulator (that one, and
 * the signature on every request). The key always comes from the caller, never from the
 * signature's own KeyInfo. Results are reasons, for faults and messages.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { NS, URI } from './ns.js';
import { StrTransform, strAssertionId } from './str-transform.js';
import { allElements, childOf, childrenOf } from './xml.js';

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
  const problem = check(verifier(stsCertificatePem), signature, xml);
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
  const problem = check(verifier(certificatePem), signature, xml);
  return problem === undefined ? out : { problem: `the message signature does not verify: ${problem}` };
}
