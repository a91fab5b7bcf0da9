import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS, CHANNEL_RULES, classifyChannel, siteOf, type Channel, type ChannelInput } from '../../../lib/enrichment/channel';

type Case = [description: string, input: ChannelInput, expected: Channel];

const cases: Case[] = [
  // Direct
  ['a hit with nothing at all is Direct', {}, 'Direct'],
  ['a same-site referrer counts as no referrer', { referrerHost: 'shop.example', sameSite: true }, 'Direct'],
  ['utm_source "(direct)" with medium "(none)" is Direct', { utm: { source: '(direct)', medium: '(none)' } }, 'Direct'],
  ['utm_content alone does not make a campaign', { utm: { content: 'hero-banner' } }, 'Direct'],
  ['whitespace-only utm values count as absent', { utm: { source: '   ', medium: '' } }, 'Direct'],
  ['an empty click id counts as absent', { clickIds: { gclid: '' } }, 'Direct'],
  ['an empty referrer host counts as absent', { referrerHost: '' }, 'Direct'],

  // Cross-network
  ['a Performance Max campaign is Cross-network', { utm: { source: 'google', medium: 'cpc', campaign: 'pmax_cross-network_q3' } }, 'Cross-network'],
  ['the cross-network test ignores case', { utm: { campaign: 'Cross-Network Summer' } }, 'Cross-network'],

  // Paid Shopping
  ['a paid click from a shopping site is Paid Shopping', { utm: { source: 'amazon', medium: 'cpc' } }, 'Paid Shopping'],
  ['a paid search click on a shopping campaign is Paid Shopping', { utm: { source: 'google', medium: 'cpc', campaign: 'summer_shopping' } }, 'Paid Shopping'],
  ['shopping.google.com with a paid medium is Paid Shopping', { utm: { source: 'shopping.google.com', medium: 'paid' } }, 'Paid Shopping'],

  // Paid Search
  ['google / cpc is Paid Search', { utm: { source: 'google', medium: 'cpc' } }, 'Paid Search'],
  ['source and medium are case-insensitive', { utm: { source: 'Google', medium: 'CPC' } }, 'Paid Search'],
  ['source and medium are trimmed', { utm: { source: ' bing ', medium: ' ppc ' } }, 'Paid Search'],
  ['a gclid on its own is Paid Search', { clickIds: { gclid: 'Cj0KCQiA' } }, 'Paid Search'],
  ['a gbraid on its own is Paid Search', { clickIds: { gbraid: '0AAAAAo' } }, 'Paid Search'],
  ['a wbraid on its own is Paid Search', { clickIds: { wbraid: 'CjgKEAiA' } }, 'Paid Search'],
  ['an msclkid on its own is Paid Search', { clickIds: { msclkid: '6f1c2a' } }, 'Paid Search'],
  ['a gclid wins over utm_source=google without a medium', { utm: { source: 'google' }, clickIds: { gclid: 'x' } }, 'Paid Search'],
  ['a gclid wins over an organic-looking google.com referrer', { clickIds: { gclid: 'x' }, referrerHost: 'google.com' }, 'Paid Search'],
  ['a paid medium with a search-engine referrer is Paid Search', { utm: { medium: 'cpc' }, referrerHost: 'google.co.uk' }, 'Paid Search'],
  ['utm tags still apply when the referrer is the same site', { utm: { source: 'google', medium: 'cpc' }, referrerHost: 'shop.example', sameSite: true }, 'Paid Search'],

  // Paid Social
  ['facebook / paid_social is Paid Social', { utm: { source: 'facebook', medium: 'paid_social' } }, 'Paid Social'],
  ['ig / cpc is Paid Social', { utm: { source: 'ig', medium: 'cpc' } }, 'Paid Social'],
  ['a LinkedIn host with a paid medium is Paid Social', { utm: { source: 'www.linkedin.com', medium: 'cpc' } }, 'Paid Social'],
  ['an fbclid with a paid utm_medium is Paid Social', { utm: { medium: 'paid' }, clickIds: { fbclid: 'IwAR' } }, 'Paid Social'],
  ['a ttclid on its own is Paid Social', { clickIds: { ttclid: 'E.C.P.abc' } }, 'Paid Social'],
  ['a li_fat_id on its own is Paid Social', { clickIds: { li_fat_id: 'a1b2c3d4-0000-4000-8000-000000000000' } }, 'Paid Social'],
  ['a twclid on its own is Paid Social', { clickIds: { twclid: '2-abc' } }, 'Paid Social'],

  // Paid Video
  ['youtube / cpv is Paid Video', { utm: { source: 'youtube', medium: 'cpv' } }, 'Paid Video'],
  ['utm tags naming a video site beat a gclid', { utm: { source: 'youtube', medium: 'cpc' }, clickIds: { gclid: 'x' } }, 'Paid Video'],

  // Display
  ['medium display is Display', { utm: { source: 'google', medium: 'display' } }, 'Display'],
  ['medium banner is Display', { utm: { source: 'criteo', medium: 'banner' } }, 'Display'],
  ['a gclid with medium display is Display, not Paid Search', { utm: { medium: 'display' }, clickIds: { gclid: 'x' } }, 'Display'],

  // Paid Other
  ['a paid medium from an unlisted source is Paid Other', { utm: { source: 'outbrain', medium: 'cpc' } }, 'Paid Other'],
  ['medium retargeting is Paid Other', { utm: { source: 'criteo', medium: 'retargeting' } }, 'Paid Other'],
  ['an odd but paid-looking source is Paid Other', { utm: { source: '🤖', medium: 'paid' } }, 'Paid Other'],

  // Organic Shopping
  ['an untagged visit from ebay.de is Organic Shopping', { referrerHost: 'ebay.de' }, 'Organic Shopping'],
  ['an untagged visit from shop.app is Organic Shopping', { referrerHost: 'shop.app' }, 'Organic Shopping'],
  ['a shop campaign without a paid medium is Organic Shopping', { utm: { source: 'partner', campaign: 'shop_week' } }, 'Organic Shopping'],
  ['"workshop" is not a shop campaign', { utm: { source: 'partner', campaign: 'workshop_invite' } }, 'Unassigned'],

  // Organic Social
  ['an fbclid without utm_medium is Organic Social', { clickIds: { fbclid: 'IwAR' } }, 'Organic Social'],
  ['an fbclid from l.facebook.com is Organic Social', { clickIds: { fbclid: 'IwAR' }, referrerHost: 'l.facebook.com' }, 'Organic Social'],
  ['an untagged visit from t.co is Organic Social', { referrerHost: 't.co' }, 'Organic Social'],
  ['utm_source=linkedin without a medium is Organic Social', { utm: { source: 'linkedin' } }, 'Organic Social'],
  ['medium social is Organic Social', { utm: { source: 'newsletter-x', medium: 'social' } }, 'Organic Social'],

  // Organic Video
  ['an untagged visit from m.youtube.com is Organic Video', { referrerHost: 'm.youtube.com' }, 'Organic Video'],
  ['a medium containing "video" is Organic Video', { utm: { source: 'partner', medium: 'video' } }, 'Organic Video'],

  // Organic Search
  ['an untagged visit from google.com is Organic Search', { referrerHost: 'google.com' }, 'Organic Search'],
  ['a www. referrer host is matched without www.', { referrerHost: 'www.bing.com' }, 'Organic Search'],
  ['a country search domain is Organic Search', { referrerHost: 'google.co.uk' }, 'Organic Search'],
  ['search.yahoo.com is Organic Search', { referrerHost: 'uk.search.yahoo.com' }, 'Organic Search'],
  ['duckduckgo.com is Organic Search', { referrerHost: 'duckduckgo.com' }, 'Organic Search'],
  ['medium organic is Organic Search', { utm: { source: 'partner', medium: 'organic' } }, 'Organic Search'],

  // Referral
  ['an untagged visit from another website is Referral', { referrerHost: 'blog.example.org' }, 'Referral'],
  ['Gmail is a referral, not a search engine', { referrerHost: 'mail.google.com' }, 'Referral'],
  ['Google Docs is a referral, not a search engine', { referrerHost: 'docs.google.com' }, 'Referral'],
  ['medium referral is Referral', { utm: { source: 'partner.com', medium: 'referral' } }, 'Referral'],
  ['medium app is Referral', { utm: { source: 'partner', medium: 'app' } }, 'Referral'],

  // Email
  ['medium email is Email', { utm: { source: 'newsletter', medium: 'email' } }, 'Email'],
  ['medium E-Mail is Email regardless of case', { utm: { source: 'klaviyo', medium: 'E-Mail' } }, 'Email'],
  ['utm_source email without a medium is Email', { utm: { source: 'email' } }, 'Email'],
  ['an fbclid does not override medium email', { utm: { medium: 'email' }, clickIds: { fbclid: 'IwAR' } }, 'Email'],
  ['a gclid does not override medium email', { utm: { source: 'newsletter', medium: 'email' }, clickIds: { gclid: 'x' } }, 'Email'],

  // Affiliates, SMS
  ['medium affiliate is Affiliates', { utm: { source: 'awin', medium: 'affiliate' } }, 'Affiliates'],
  ['medium sms is SMS', { utm: { source: 'attentive', medium: 'sms' } }, 'SMS'],
  ['utm_source SMS is SMS regardless of case', { utm: { source: 'SMS' } }, 'SMS'],

  // Unassigned
  ['an unrecognised medium is Unassigned', { utm: { source: 'partner', medium: 'print' } }, 'Unassigned'],
  ['medium audio is Unassigned (no Audio channel here)', { utm: { source: 'spotify', medium: 'audio' } }, 'Unassigned'],
  ['utm_campaign alone without a referrer is Unassigned', { utm: { campaign: 'spring' } }, 'Unassigned'],
  ['a very long junk medium is Unassigned', { utm: { source: 'x-partner', medium: 'z'.repeat(200) } }, 'Unassigned'],
];

describe('classifyChannel', () => {
  it.each(cases)('%s', (_description, input, expected) => {
    expect(classifyChannel(input).channel).toBe(expected);
  });

  it('has test cases for every channel', () => {
    const covered = new Set(cases.map(([, , channel]) => channel));
    expect(CHANNELS.filter((channel) => !covered.has(channel))).toEqual([]);
  });

  it('names the matching rule so a classification can be audited', () => {
    const result = classifyChannel({ clickIds: { fbclid: 'IwAR' } });
    expect(result.rule).toBe(CHANNEL_RULES.find((rule) => rule.description === result.rule)?.description);
    expect(result.rule).toMatch(/fbclid/);
  });

  it('ends with a catch-all Unassigned rule, so every hit gets a channel', () => {
    expect(CHANNEL_RULES.at(-1)?.channel).toBe('Unassigned');
    expect(CHANNEL_RULES.at(-1)?.test({ tagged: true, clickIds: {} })).toBe(true);
  });

  it('never throws on garbage input', () => {
    const garbage = { utm: { source: '\u0000', medium: '((((' }, clickIds: { gclid: '   ' }, referrerHost: '...' } as ChannelInput;
    expect(() => classifyChannel(garbage)).not.toThrow();
  });
});

describe('siteOf', () => {
  it.each([
    ['l.facebook.com', 'facebook', 'l'],
    ['google.co.uk', 'google', ''],
    ['uk.search.yahoo.com', 'yahoo', 'uk.search'],
    ['t.co', 't', ''],
    ['localhost', 'localhost', ''],
  ])('splits %s into site %s and subdomain "%s"', (host, name, subdomain) => {
    expect(siteOf(host)).toEqual({ name, subdomain });
  });
});

describe('docs/channels.md', () => {
  it('lists the same rules, in the same order, as CHANNEL_RULES', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/channels.md'), 'utf8');
    const rows = docs
      .split('\n')
      .map((line) => /^\| (\d+) \| ([^|]+) \| (.+) \|$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, order, channel, rule]) => ({ order: Number(order), channel: channel?.trim(), rule: rule?.replaceAll('\\|', '|').replaceAll('`', '') }));
    expect(rows).toEqual(CHANNEL_RULES.map((rule, index) => ({ order: index + 1, channel: rule.channel, rule: rule.description })));
  });
});
