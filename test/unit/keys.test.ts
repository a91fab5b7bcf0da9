import { generateSecretKey, generateSiteKey, hashSecretKey, looksLikeSecretKey } from '../../lib/keys';

describe('keys', () => {
  it('generates site keys that match the database format and differ each time', () => {
    const a = generateSiteKey();
    expect(a).toMatch(/^lux_pk_[A-Za-z0-9_-]{16,64}$/);
    expect(generateSiteKey()).not.toBe(a);
  });

  it('stores secret keys only as their SHA-256, with a short display prefix', () => {
    const secret = generateSecretKey();
    expect(secret.key).toMatch(/^lux_sk_/);
    expect(secret.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(secret.hash).toBe(hashSecretKey(secret.key));
    expect(secret.key.startsWith(secret.prefix)).toBe(true);
    expect(secret.prefix.length).toBeLessThan(secret.key.length / 3);
    expect(looksLikeSecretKey(secret.key)).toBe(true);
    expect(looksLikeSecretKey(generateSiteKey())).toBe(false);
  });
});
