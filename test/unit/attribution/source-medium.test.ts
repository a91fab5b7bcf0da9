import { sourceMedium } from '../../../lib/attribution/source-medium';

test.each([
  [{ utmSource: 'Google', utmMedium: 'CPC', referrerHost: 'www.google.com', channel: 'Paid Search' }, 'google', 'cpc'],
  [{ utmSource: 'newsletter', utmMedium: null, referrerHost: null, channel: 'Unassigned' }, 'newsletter', '(not set)'],
  [{ utmSource: null, utmMedium: null, referrerHost: 'www.google.com', channel: 'Organic Search' }, 'google.com', 'organic'],
  [{ utmSource: null, utmMedium: null, referrerHost: 'blog.example.org', channel: 'Referral' }, 'blog.example.org', 'referral'],
  [{ utmSource: null, utmMedium: 'email', referrerHost: null, channel: 'Email' }, '(not set)', 'email'],
  [{ utmSource: null, utmMedium: null, referrerHost: null, channel: 'Direct' }, '(direct)', '(none)'],
  [{ utmSource: '  ', utmMedium: '', referrerHost: '', channel: 'Direct' }, '(direct)', '(none)'],
])('%o is %s / %s', (session, source, medium) => {
  expect(sourceMedium(session)).toEqual({ source, medium });
});
