/**
 * An issued token: the SAML 2.0 assertion exactly as the STS wrote it (its signature must
 * survive), what it is for, when it expires, and the proof key that signs each message.
 * The assertion is a Secret and the key a KeyObject: neither prints, logs or serialises.
 */
import type { KeyObject } from 'node:crypto';
import { Secret } from '../../../src/sdk/secret.js';

export interface OioidwsTokenInit {
  assertionXml: string;
  assertionId: string;
  cvr: string;
  appliesTo: string;
  receivedAt: Date;
  expiresAt: Date;
  key: KeyObject;
}

export class OioidwsToken {
  /** The saml2:Assertion, standalone (inherited namespace declarations added), else untouched. */
  readonly assertion: Secret;
  readonly assertionId: string;
  readonly cvr: string;
  readonly appliesTo: string;
  /** When it was received, by the client's clock. */
  readonly receivedAt: Date;
  /** The earlier of the response's Lifetime/Expires and the assertion's NotOnOrAfter. */
  readonly expiresAt: Date;
  readonly #key: KeyObject;

  constructor(init: OioidwsTokenInit) {
    this.assertion = new Secret(init.assertionXml, `assertion ${init.assertionId}`);
    this.assertionId = init.assertionId;
    this.cvr = init.cvr;
    this.appliesTo = init.appliesTo;
    this.receivedAt = init.receivedAt;
    this.expiresAt = init.expiresAt;
    this.#key = init.key;
  }

  /** The holder-of-key proof key (the system's private key). */
  get key(): KeyObject {
    return this.#key;
  }

  toJSON(): object {
    return {
      assertionId: this.assertionId,
      cvr: this.cvr,
      appliesTo: this.appliesTo,
      expiresAt: this.expiresAt.toISOString(),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OioidwsToken(${this.cvr} ${this.appliesTo}, expires ${this.expiresAt.toISOString()})`;
  }
}
