/**
 * Throw-away certificates for tests and demos: self-signed (no CA), RSA-2048, SHA-256, made
 * with @peculiar/x509 over Node's WebCrypto. A client certificate carries the CVR as OCES3
 * certificates do, in the subject's organizationIdentifier (`NTRDK-<CVR>`).
 *
 * @peculiar/x509 needs the Reflect metadata API (tsyringe). When nothing has installed it,
 * a minimal one (just what tsyringe calls) is installed before the library is loaded.
 */
import { webcrypto } from 'node:crypto';

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export interface CertificateOptions {
  /** Subject common name. */
  commonName: string;
  organisation?: string;
  /** Adds organizationIdentifier=NTRDK-<cvr> (OCES3). */
  cvr?: string;
  notBefore?: Date;
  notAfter?: Date;
}

type Metadata = Map<unknown, unknown>;
type ReflectWithMetadata = typeof Reflect & {
  getMetadata?: (key: unknown, target: object, prop?: string | symbol) => unknown;
  getOwnMetadata?: (key: unknown, target: object, prop?: string | symbol) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object, prop?: string | symbol) => void;
  metadata?: (key: unknown, value: unknown) => (target: object, prop?: string | symbol) => void;
};

function installReflectMetadata(): void {
  const R = Reflect as ReflectWithMetadata;
  if (typeof R.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<string | symbol | undefined, Metadata>>();
  const bucket = (
    target: object,
    prop: string | symbol | undefined,
    create: boolean,
  ): Metadata | undefined => {
    let byProp = store.get(target);
    if (!byProp) {
      if (!create) return undefined;
      byProp = new Map();
      store.set(target, byProp);
    }
    let b = byProp.get(prop);
    if (!b && create) {
      b = new Map();
      byProp.set(prop, b);
    }
    return b;
  };
  R.defineMetadata = (key, value, target, prop) => {
    bucket(target, prop, true)!.set(key, value);
  };
  R.getOwnMetadata = (key, target, prop) => bucket(target, prop, false)?.get(key);
  R.getMetadata = (key, target, prop) => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
      const b = bucket(o, prop, false);
      if (b?.has(key)) return b.get(key);
    }
    return undefined;
  };
  R.metadata = (key, value) => (target, prop) => R.defineMetadata!(key, value, target, prop);
}

let x509Module: Promise<typeof import('@peculiar/x509')> | undefined;
function x509(): Promise<typeof import('@peculiar/x509')> {
  if (!x509Module) {
    installReflectMetadata();
    x509Module = import('@peculiar/x509').then((m) => {
      m.cryptoProvider.set(webcrypto as never);
      return m;
    });
  }
  return x509Module;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

/** A self-signed RSA-2048 certificate and its unencrypted PKCS#8 key, both PEM. */
export async function makeCertificate(opts: CertificateOptions): Promise<TestCertificate> {
  const lib = await x509();
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const rdn = (s: string) => s.replace(/([,+"\\<>;=])/g, '\\$1');
  const name = [
    `CN=${rdn(opts.commonName)}`,
    ...(opts.organisation ? [`O=${rdn(opts.organisation)}`] : []),
    ...(opts.cvr ? [`2.5.4.97=NTRDK-${opts.cvr}`] : []),
    'C=DK',
  ].join(', ');
  const now = Date.now();
  const cert = await lib.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      name,
      notBefore: opts.notBefore ?? new Date(now - 3600_000),
      notAfter: opts.notAfter ?? new Date(now + 2 * 365 * 86400_000),
      keys,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
      extensions: [
        new lib.BasicConstraintsExtension(false, undefined, true),
        new lib.KeyUsagesExtension(
          lib.KeyUsageFlags.digitalSignature | lib.KeyUsageFlags.nonRepudiation,
          true,
        ),
      ],
    },
    webcrypto as never,
  );
  return {
    certificatePem: cert.toString('pem'),
    privateKeyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** A municipality's system certificate (what the STS knows the municipality by). */
export const makeClientCertificate = (cvr: string, commonName = 'orgsync (funktionscertifikat)') =>
  makeCertificate({ commonName, organisation: `Kommune ${cvr}`, cvr });

/** The simulated STS's signing certificate. */
export const makeStsCertificate = () =>
  makeCertificate({ commonName: 'STS simulator (funktionscertifikat)', organisation: 'orgsync simulator' });
