import { createHash } from 'node:crypto';
import { linkRef, withVisitorLinkParams } from '../../../lib/messages/links';
import { hashPhone } from '../../../lib/messages/records';

describe('click landing URLs', () => {
  it('add lux_mid and UTMs naming the message when the URL has no UTMs', () => {
    const url = new URL(withVisitorLinkParams('https://shop.example/p/1?color=red#top', { provider: 'mailgun', sendId: '20240301.abc@mg.example.com', channel: 'email', campaignId: 'spring', creativeId: 'hero-a' }));
    expect(Object.fromEntries(url.searchParams)).toEqual({ color: 'red', lux_mid: linkRef('mailgun', '20240301.abc@mg.example.com'), utm_source: 'mailgun', utm_medium: 'email', utm_campaign: 'spring', utm_content: 'hero-a' });
    expect(url.hash).toBe('#top');
  });

  it("keep a marketer's own UTMs and still add lux_mid", () => {
    const url = new URL(withVisitorLinkParams('https://shop.example/?utm_source=newsletter&utm_medium=email', { provider: 'smtp', sendId: 's1', channel: 'email' }));
    expect(Object.fromEntries(url.searchParams)).toEqual({ utm_source: 'newsletter', utm_medium: 'email', lux_mid: linkRef('smtp', 's1') });
  });

  it('name the send by 24 hex characters, never an email-like id', () => {
    expect(linkRef('mailgun', 'a@b.c')).toBe(createHash('sha256').update('mailgun:a@b.c').digest('hex').slice(0, 24));
    expect(linkRef('mailgun', 'a@b.c')).not.toBe(linkRef('smtp', 'a@b.c'));
  });
});

describe('phone hashing', () => {
  it('hashes E.164 numbers after removing formatting, and refuses the rest', () => {
    const h = createHash('sha256').update('+4915112345678').digest('hex');
    expect(hashPhone('+4915112345678')).toBe(h);
    expect(hashPhone(' +49 151 1234-5678 ')).toBe(h);
    expect(hashPhone('015112345678')).toBeUndefined();
    expect(hashPhone('+0123')).toBeUndefined();
    expect(hashPhone(null)).toBeUndefined();
  });
});
