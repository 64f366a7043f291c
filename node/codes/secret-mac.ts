import { createHmac } from 'node:crypto';

/** What a MAC is taken of: each purpose has its own domain, so a MAC of one kind never matches another kind. */
export type MacDomain = 'code' | 'hash-id' | 'device-token' | 'client';

/**
 * HMAC-SHA256 under a server key kept in the database (ServerSecretRepository). Codes, hashed IDs and tokens
 * are stored only as these MACs: a copy of the database alone does not give a usable code, and the MAC is
 * deterministic, so a presented value is found by its MAC with one index lookup.
 */
export class SecretMac {
  constructor(private readonly key: Buffer) {}

  mac(domain: MacDomain, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${domain}\u0000${value}`, 'utf8').digest();
  }
}
