/**
 * The system's certificate and private key, and the STS's certificate, read from PEM files or
 * environment variables. Errors name the file or the variable and what is wrong, never what
 * it holds; the key is kept as a KeyObject, which prints as its type only.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConnectorError } from '../../../src/sdk/errors.js';
import type { OioidwsConfig } from './config.js';

export interface Credentials {
  /** The system's certificate (PEM), sent in requests and bound into tokens. */
  certificatePem: string;
  /** The same, DER in base64, as BinarySecurityToken content. */
  certificateBase64: string;
  /** The certificate's subject, for messages. */
  subject: string;
  /** The private key; signs every request. */
  key: KeyObject;
  /** The STS's signing certificate, when configured. */
  stsCertificatePem?: string;
}

const CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY = /-----BEGIN ((?:ENCRYPTED |RSA )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;
const P12_HINT =
  'a PKCS#12 file (.p12, .pfx) must be converted to PEM first: openssl pkcs12 -in cert.p12 -out cert.pem';

const invalid = (message: string) => new ConnectorError('invalid-config', `OIOIDWS: ${message}`);

function read(
  src: { file?: string | undefined; env?: string | undefined },
  what: string,
  env: NodeJS.ProcessEnv,
): { text: string; source: string } {
  if (src.file !== undefined) {
    try {
      return { text: readFileSync(src.file, 'utf8'), source: `file ${src.file}` };
    } catch {
      throw invalid(`the ${what} file ${src.file} cannot be read`);
    }
  }
  if (src.env !== undefined) {
    const v = env[src.env];
    if (v === undefined || v.trim() === '')
      throw invalid(`environment variable ${src.env} (${what}) is not set`);
    // A PEM in one line of a .env file or a CI secret usually carries `\n` for its line breaks.
    return { text: v.replace(/\\n/g, '\n'), source: `environment variable ${src.env}` };
  }
  throw invalid(`no source for the ${what}`);
}

function certificate(text: string, source: string, what: string): { pem: string; cert: X509Certificate } {
  const pem = CERT.exec(text)?.[0];
  if (!pem) throw invalid(`${source} holds no PEM certificate (${what}); ${P12_HINT}`);
  try {
    return { pem, cert: new X509Certificate(pem) };
  } catch {
    throw invalid(`${source}: the ${what} is not a valid X.509 certificate`);
  }
}

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

/** Reads and checks the credentials a config names (`env` for tests). */
export function loadCredentials(config: OioidwsConfig, env: NodeJS.ProcessEnv = process.env): Credentials {
  const c = config.certificate;
  const certSrc = read({ file: c.certFile, env: c.certEnv }, 'certificate', env);
  const { pem: certificatePem, cert } = certificate(certSrc.text, certSrc.source, 'certificate');

  const keySrc = read({ file: c.keyFile, env: c.keyEnv }, 'private key', env);
  const keyPem = KEY.exec(keySrc.text)?.[0];
  if (!keyPem) throw invalid(`${keySrc.source} holds no PEM private key; ${P12_HINT}`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem', passphrase: c.passphrase?.reveal() ?? '' });
  } catch {
    const why = c.passphrase ? 'wrong passphrase, or not a private key' : 'encrypted (no passphrase given)';
    throw invalid(`the private key in ${keySrc.source} cannot be read: ${why}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(`the private key in ${keySrc.source} is ${key.asymmetricKeyType}, not RSA (rsa-sha256)`);
  }
  if (!spki(createPublicKey(key)).equals(spki(cert.publicKey))) {
    throw invalid(
      `the private key in ${keySrc.source} does not belong to the certificate in ${certSrc.source}`,
    );
  }

  const out: Credentials = {
    certificatePem,
    certificateBase64: cert.raw.toString('base64'),
    subject: cert.subject.replace(/\n/g, ', '),
    key,
  };
  if (config.stsCertificate) {
    const s = read(config.stsCertificate, 'STS certificate', env);
    out.stsCertificatePem = certificate(s.text, s.source, 'STS certificate').pem;
  }
  return out;
}
