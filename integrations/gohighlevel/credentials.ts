// What a company stores to receive GoHighLevel (HighLevel / LeadConnector) webhooks
// (`lux integrations set gohighlevel --public-key-file ghl.pem`). GHL signs with its own private key and
// publishes the public half, so there is no shared secret: the "credential" is which public key to trust.
// It is configuration, not a constant in code, because GHL rotates it and tests sign with their own pair.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** Parses a PEM public key and insists on Ed25519 (the x-ghl-signature scheme); throws with the reason. */
export function parseGoHighLevelPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`not a PEM public key: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`expected an Ed25519 public key (x-ghl-signature), got ${key.asymmetricKeyType ?? 'an unknown key type'}; the RSA key is for the deprecated x-wh-signature`);
  }
  return key;
}

export const goHighLevelCredentialsSchema = z.object({
  /** PEM ("-----BEGIN PUBLIC KEY-----") of GHL's published Ed25519 webhook key. */
  publicKey: z
    .string()
    .trim()
    .superRefine((pem, ctx) => {
      try {
        parseGoHighLevelPublicKey(pem);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
      }
    }),
  /**
   * The sub-account (location) whose events this company receives. GHL's key is the same for every
   * GHL customer, so a valid signature only proves "sent by GHL", not "sent for this company": with a
   * locationId set, deliveries for any other location are refused.
   */
  locationId: z.string().trim().min(1).max(100).optional(),
  /**
   * The location's currency (ISO 4217). GHL's opportunity payloads carry a monetaryValue without a
   * currency; without this, opportunity values are stored as unknown rather than guessed.
   */
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as EUR')
    .transform((code) => code.toUpperCase())
    .optional(),
});

export type GoHighLevelCredentials = z.infer<typeof goHighLevelCredentialsSchema>;
