import { createHash } from 'node:crypto';
import { hashEmailFor, hashPhoneFor, normaliseEmail, normaliseEmailForGoogle, normalisePhoneE164 } from '../../../lib/forwarding/hashing';

const sha = (v: string): string => createHash('sha256').update(v).digest('hex');

describe('email normalisation', () => {
  test('trims and lower-cases for every vendor', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(hashEmailFor('meta', '  Jane.Doe@Example.COM ')).toBe(sha('jane.doe@example.com'));
    expect(hashEmailFor('tiktok', 'Jane.Doe@Example.COM')).toBe(sha('jane.doe@example.com'));
  });

  test('Google removes dots from the local part of gmail.com and googlemail.com addresses only', () => {
    expect(normaliseEmailForGoogle(' Jane.Doe@Gmail.com')).toBe('janedoe@gmail.com');
    expect(normaliseEmailForGoogle('j.a.n.e@googlemail.com')).toBe('jane@googlemail.com');
    expect(normaliseEmailForGoogle('jane.doe@example.com')).toBe('jane.doe@example.com');
    expect(normaliseEmailForGoogle('jane.doe@gmail.com.evil.org')).toBe('jane.doe@gmail.com.evil.org');
    expect(hashEmailFor('google_ads', 'Jane.Doe@gmail.com')).toBe(sha('janedoe@gmail.com'));
  });

  test('Meta keeps the dots of a gmail address', () => {
    expect(hashEmailFor('meta', 'Jane.Doe@gmail.com')).toBe(sha('jane.doe@gmail.com'));
  });

  test('a value that is not an email is not hashed', () => {
    expect(hashEmailFor('meta', 'not an email')).toBeNull();
    expect(hashEmailFor('google_ads', '@gmail.com')).toBeNull();
  });

  test('the hashes are lower-case hex SHA-256', () => {
    expect(hashEmailFor('google_ads', 'a@b.co')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('phone normalisation', () => {
  test('E.164 from common spellings', () => {
    expect(normalisePhoneE164('+49 151 2345-6789')).toBe('+4915123456789');
    expect(normalisePhoneE164('0049 (151) 23456789')).toBe('+4915123456789');
    expect(normalisePhoneE164('+1.415.555.2671')).toBe('+14155552671');
  });

  test('a number without a country code is not guessed', () => {
    expect(normalisePhoneE164('0151 23456789')).toBeNull();
    expect(normalisePhoneE164('+0151234567')).toBeNull();
    expect(hashPhoneFor('meta', '015123456789')).toBeNull();
  });

  test('Google hashes E.164 with the plus, Meta and TikTok the digits only', () => {
    expect(hashPhoneFor('google_ads', '+49 151 23456789')).toBe(sha('+4915123456789'));
    expect(hashPhoneFor('meta', '+49 151 23456789')).toBe(sha('4915123456789'));
    expect(hashPhoneFor('tiktok', '+49 151 23456789')).toBe(sha('4915123456789'));
  });
});
