/** Namespaces and URIs of WS-Security, WS-Trust 1.3, WS-Addressing, SAML 2.0 and XML-DSig. */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsse11: 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  /** WS-Policy 1.2, which WS-Trust 1.3 uses for AppliesTo. */
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  /** WS-Policy 1.5: accepted in AppliesTo too. */
  wsp15: 'http://www.w3.org/ns/ws-policy',
  auth: 'http://docs.oasis-open.org/wsfed/authorization/200706',
  saml2: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
} as const;

export const URI = {
  issueAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue',
  issueFinalAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal',
  issueRequest: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue',
  publicKey: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey',
  saml2TokenType: 'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0',
  samlId: 'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID',
  x509v3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
  base64Binary:
    'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
  strTransform:
    'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform',
  claimsDialect: 'http://docs.oasis-open.org/wsfed/authorization/200706/authclaims',
  cvrClaim: 'dk:gov:saml:attribute:CvrNumberIdentifier',
  holderOfKey: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key',
  anonymous: 'http://www.w3.org/2005/08/addressing/anonymous',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** The entity ID FK Organisation's tokens are issued for (KOMBIT's "AppliesTo"). */
export const ORGANISATION_AUDIENCE = 'http://stoettesystemerne.dk/service/organisation/3';
/** The path of KOMBIT's STS endpoint for certificate-signed Issue requests. */
export const STS_PATH = '/runtime/services/kombittrust/14/certificatemixed';
