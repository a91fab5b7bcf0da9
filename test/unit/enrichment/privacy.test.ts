import { createHash, createHmac } from 'node:crypto';
import { hashEmail, hashIp, MAX_URL_LENGTH, normaliseEmail, normaliseIp, scrubEmails, scrubUrl } from '../../../lib/enrichment/privacy';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const SECRET = 'test-secret-0123456789abcdef0123456789';

describe('normaliseEmail', () => {
  it('trims and lower-cases, nothing more', () => {
    expect(normaliseEmail('  Jane.Doe+Shop@GMail.com \n')).toBe('jane.doe+shop@gmail.com');
  });
});

describe('hashEmail', () => {
  it('hashes the trimmed, lower-cased address with SHA-256', () => {
    expect(hashEmail(' Foo@Example.COM ')).toBe(sha256('foo@example.com'));
  });

  it('keeps dots and +tags in gmail addresses, so different addresses hash differently', () => {
    expect(hashEmail('f.o.o+news@gmail.com')).toBe(sha256('f.o.o+news@gmail.com'));
    expect(hashEmail('f.o.o+news@gmail.com')).not.toBe(hashEmail('foo@gmail.com'));
  });

  it.each([[''], ['   '], ['foo'], ['foo@bar'], ['a b@example.com'], ['@example.com'], ['foo@.com'], ['a@b@example.com'], [`${'a'.repeat(250)}@example.com`], [undefined], [null]])(
    'returns undefined for %p, which is not an email address',
    (input) => {
      expect(hashEmail(input)).toBeUndefined();
    },
  );
});

describe('hashIp', () => {
  it('is the HMAC-SHA256 of the IP under the secret', () => {
    expect(hashIp('10.0.0.1', SECRET)).toBe(createHmac('sha256', SECRET).update('10.0.0.1').digest('hex'));
  });

  it('hashes an IPv4-mapped IPv6 address as the plain IPv4 address', () => {
    expect(hashIp('::ffff:10.0.0.1', SECRET)).toBe(hashIp('10.0.0.1', SECRET));
    expect(hashIp('::FFFF:10.0.0.1', SECRET)).toBe(hashIp('10.0.0.1', SECRET));
    expect(hashIp('0:0:0:0:0:ffff:a00:1', SECRET)).toBe(hashIp('10.0.0.1', SECRET));
  });

  it('hashes every spelling of an IPv6 address the same way', () => {
    expect(hashIp('2001:DB8:0:0:0:0:0:1', SECRET)).toBe(hashIp('2001:db8::1', SECRET));
    expect(hashIp(' [2001:db8::1] ', SECRET)).toBe(hashIp('2001:db8::1', SECRET));
  });

  it('depends on the secret', () => {
    expect(hashIp('10.0.0.1', SECRET)).not.toBe(hashIp('10.0.0.1', `${SECRET}x`));
  });

  it('refuses an empty secret', () => {
    expect(() => hashIp('10.0.0.1', '')).toThrow(/secret/);
  });
});

describe('normaliseIp', () => {
  it.each([
    [' 192.168.1.1 ', '192.168.1.1'],
    ['::ffff:192.168.1.1', '192.168.1.1'],
    ['2001:0DB8::0001', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['not-an-ip', 'not-an-ip'],
  ])('turns %p into %p', (input, expected) => {
    expect(normaliseIp(input)).toBe(expected);
  });
});

describe('scrubUrl', () => {
  it('removes a URL-encoded email address from a query value', () => {
    const scrubbed = scrubUrl('https://shop.example/thanks?ref=jane.doe%40mail.com&utm_source=esp');
    expect(scrubbed).not.toContain('jane.doe%40mail.com');
    expect(scrubbed).toBe('https://shop.example/thanks?ref=[email]&utm_source=esp');
  });

  it('removes plain, double-encoded and +tagged addresses', () => {
    expect(scrubUrl('https://shop.example/?a=jane@mail.com&b=jane%2540mail.com&c=jane%2Bshop%40mail.com')).toBe(
      'https://shop.example/?a=[email]&b=[email]&c=[email]',
    );
  });

  it('replaces the value of email-named parameters even when it does not look like an address', () => {
    expect(scrubUrl('https://shop.example/?E-Mail=jane&user_email=x&mail=y&email=&utm_medium=mail')).toBe(
      'https://shop.example/?E-Mail=[email]&user_email=[email]&mail=[email]&email=&utm_medium=mail',
    );
  });

  it('scrubs the path and the fragment too', () => {
    expect(scrubUrl('https://shop.example/unsubscribe/jane@mail.com#email=jane&x=1')).toBe('https://shop.example/unsubscribe/[email]#email=[email]&x=1');
    expect(scrubUrl('https://shop.example/#/confirm?u=jane%40mail.com')).toBe('https://shop.example/#/confirm?u=[email]');
  });

  it('removes credentials from the URL', () => {
    expect(scrubUrl('https://admin:hunter2@shop.example/p')).toBe('https://shop.example/p');
  });

  it('does not modify a URL object it is given', () => {
    const url = new URL('https://admin:hunter2@shop.example/p');
    scrubUrl(url);
    expect(url.password).toBe('hunter2');
  });

  it('leaves a URL without personal data as it was', () => {
    const url = 'https://shop.example/p/red-shoes?q=a%20b&utm_source=google&gclid=Cj0_x-y#reviews';
    expect(scrubUrl(url)).toBe(url);
  });

  it('keeps @handles that are not email addresses', () => {
    expect(scrubUrl('https://medium.com/@jane/post')).toBe('https://medium.com/@jane/post');
  });

  it('scrubs text that is not a URL instead of failing', () => {
    expect(scrubUrl('not a url, write to jane@mail.com')).toBe('not a url, write to [email]');
    expect(scrubUrl('/relative?email=jane')).toBe('/relative?email=[email]');
  });

  it.each([[''], ['%%%'], ['http://'], ['\u0000\u0001'], ['://@@@']])('does not throw on %p', (input) => {
    expect(() => scrubUrl(input)).not.toThrow();
  });

  it('drops control characters from text that is not a URL', () => {
    expect(scrubUrl('a\u0000b\nc')).toBe('abc');
  });

  it(`caps the result at ${MAX_URL_LENGTH} characters, after scrubbing`, () => {
    const scrubbed = scrubUrl(`https://shop.example/?x=${'a'.repeat(5000)}&e=jane@mail.com`);
    expect(scrubbed.length).toBe(MAX_URL_LENGTH);
    expect(scrubUrl(`https://shop.example/?e=${'jane@mail.com,'.repeat(200)}`)).not.toContain('jane');
  });

  it('stays fast on a long input without any @', () => {
    const started = process.hrtime.bigint();
    scrubUrl(`https://shop.example/?q=${'a.'.repeat(500_000)}`);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });
});

describe('scrubEmails', () => {
  it('replaces each address in free text', () => {
    expect(scrubEmails('from a@b.co to c.d@e.org')).toBe('from [email] to [email]');
  });
});
