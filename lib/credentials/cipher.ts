// Integration credentials (webhook secrets, API keys) and raw webhook bodies are encrypted at rest with AES-256-GCM under a key
// from the environment (LUX_CREDENTIALS_KEY), so a database dump or backup alone does not leak them.
//
// - A fresh random 96-bit IV per encryption (GCM's requirement: never reuse an IV under one key).
// - The company id and vendor are the associated data: a ciphertext copied onto another company's row
//   (or another vendor's) fails authentication instead of handing one tenant another's secrets.
// - key_id (a SHA-256 prefix of the key) is stored beside the ciphertext, so decrypting with the wrong
//   key says so plainly instead of failing with a generic "unable to authenticate data".
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

export type CredentialsKey = { key: Buffer; keyId: string };

export type SealedCredentials = { keyId: string; iv: Buffer; ciphertext: Buffer; authTag: Buffer };

export class CredentialsKeyError extends Error {
  override name = 'CredentialsKeyError';
}

/**
 * LUX_CREDENTIALS_KEY: 32 random bytes as 64 hex characters or base64 (`openssl rand -hex 32`).
 * Throws a CredentialsKeyError that names the variable and never echoes the value.
 */
export function parseCredentialsKey(text: string | undefined): CredentialsKey {
  if (text === undefined || text.trim() === '') {
    throw new CredentialsKeyError('LUX_CREDENTIALS_KEY is not set: integration credentials cannot be stored or read (generate one with `openssl rand -hex 32`)');
  }
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new CredentialsKeyError('LUX_CREDENTIALS_KEY: expected 32 bytes as 64 hex characters or base64 (`openssl rand -hex 32`)');
  }
  return { key, keyId: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

/**
 * Encrypts bytes under the key. `context` is bound as associated data: the same context must be given
 * to open them (it names what the bytes are and whose they are).
 */
export function sealBytes(key: CredentialsKey, context: string, plaintext: Buffer): SealedCredentials {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: key.keyId, iv, ciphertext, authTag: cipher.getAuthTag() };
}

/** The inverse of sealBytes; `what` names the data in error messages. */
export function openBytes(key: CredentialsKey, context: string, sealed: SealedCredentials, what: string): Buffer {
  if (sealed.keyId !== key.keyId) {
    throw new CredentialsKeyError(
      `${what} was encrypted with another LUX_CREDENTIALS_KEY (key id ${sealed.keyId}, current ${key.keyId}); set the old key or store it again`,
    );
  }
  const decipher = createDecipheriv(ALGORITHM, key.key, sealed.iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.authTag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new CredentialsKeyError(`${what} failed authentication: the stored row was altered or belongs to another company`);
  }
}

const credentialsContext = (companyId: string, source: string): string => `lux-credentials:${companyId}:${source}`;

export function sealCredentials(key: CredentialsKey, companyId: string, source: string, plaintext: string): SealedCredentials {
  return sealBytes(key, credentialsContext(companyId, source), Buffer.from(plaintext, 'utf8'));
}

export function openCredentials(key: CredentialsKey, companyId: string, source: string, sealed: SealedCredentials): string {
  return openBytes(key, credentialsContext(companyId, source), sealed, `the ${source} credentials of company ${companyId}`).toString('utf8');
}

/**
 * Webhook bodies are the vendor's order JSON: names, emails, addresses, IPs in clear. They are kept
 * byte for byte (to reprocess and to audit signatures) but only encrypted, bound to their row.
 */
export const webhookBodyContext = (companyId: string, source: string, dedupeKey: string): string => `lux-webhook-body:${companyId}:${source}:${dedupeKey}`;
