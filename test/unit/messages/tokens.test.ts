import { createHmac } from 'node:crypto';
import { newShortLinkCode, signMessageToken, signShortLink, verifyMessageToken, verifyShortLink, type MessageTokenPayload } from '../../../lib/messages/tokens';

const KEY = 'k'.repeat(40);
const click: MessageTokenPayload = { v: 1, k: 'c', c: '7b0c2a52-0f5e-4c43-9d61-3f3c7a1c9a10', p: 'smtp', s: 'send-1', ch: 'e', u: 'https://shop.example/p/1?x=1' };
const open: MessageTokenPayload = { v: 1, k: 'o', c: click.c, p: 'smtp', s: 'send-1', ch: 'e' };

describe('message tokens', () => {
  it('round-trips a click token and an open token', () => {
    expect(verifyMessageToken(KEY, signMessageToken(KEY, click), 'c')).toEqual({ ok: true, payload: click });
    expect(verifyMessageToken(KEY, signMessageToken(KEY, open), 'o')).toEqual({ ok: true, payload: open });
  });

  it('is HMAC-SHA256 over the payload with a context prefix, base64url', () => {
    const token = signMessageToken(KEY, open);
    const [body, signature] = token.split('.');
    expect(signature).toBe(createHmac('sha256', KEY).update(`lux-msg-v1.${body}`).digest('base64url'));
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'))).toEqual(open);
  });

  it('refuses a token whose URL was changed, even re-encoded consistently', () => {
    const token = signMessageToken(KEY, click);
    const [, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...click, u: 'https://evil.example/' })).toString('base64url');
    expect(verifyMessageToken(KEY, `${forged}.${signature}`)).toEqual({ ok: false, reason: 'token signature does not match' });
  });

  it('refuses a flipped character anywhere, a wrong key, and junk', () => {
    const token = signMessageToken(KEY, click);
    for (const i of [0, 5, token.indexOf('.') - 1, token.indexOf('.') + 1, token.length - 1]) {
      const c = token[i] === 'A' ? 'B' : 'A';
      expect(verifyMessageToken(KEY, token.slice(0, i) + c + token.slice(i + 1)).ok).toBe(false);
    }
    expect(verifyMessageToken('z'.repeat(40), token).ok).toBe(false);
    for (const junk of ['', '.', 'abc', 'a.b.c', `${token}.x`, 'ä.ö', 'x'.repeat(5000)]) expect(verifyMessageToken(KEY, junk).ok).toBe(false);
  });

  it('refuses a token of the other kind where one kind is expected', () => {
    expect(verifyMessageToken(KEY, signMessageToken(KEY, open), 'c')).toEqual({ ok: false, reason: 'expected a click token' });
  });

  it('refuses to sign what it would not accept, and short keys', () => {
    expect(() => signMessageToken(KEY, { ...click, u: 'javascript:alert(1)' })).toThrow();
    expect(() => signMessageToken(KEY, { ...open, u: 'https://x.example/' })).toThrow();
    expect(() => signMessageToken('short', open)).toThrow(/at least 32/);
  });

  it('signs short links: code plus a 16-character signature, tamper-evident', () => {
    const code = newShortLinkCode();
    expect(code).toMatch(/^[A-Za-z0-9_-]{12}$/);
    const link = signShortLink(KEY, code);
    expect(link).toMatch(/^[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{16}$/);
    expect(verifyShortLink(KEY, link)).toEqual({ ok: true, payload: { code } });
    const other = newShortLinkCode();
    expect(verifyShortLink(KEY, `${other}.${link.split('.')[1]}`).ok).toBe(false);
    expect(verifyShortLink(KEY, link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A')).ok).toBe(false);
    expect(verifyShortLink(KEY, code).ok).toBe(false);
  });
});
