// Source / medium of a session as marketers read them (GA4 style: "google / cpc", "(direct) / (none)").
// UTM tags win; an untagged visit takes its referrer's host as the source and a medium that follows
// its channel (Organic Search → organic, other referrers → referral); no referrer at all is direct.
export type SessionSourceFields = {
  utmSource: string | null;
  utmMedium: string | null;
  referrerHost: string | null;
  channel: string;
};

const blank = (v: string | null): v is null => v === null || v.trim() === '';

export function sourceMedium(s: SessionSourceFields): { source: string; medium: string } {
  if (!blank(s.utmSource)) return { source: s.utmSource.trim().toLowerCase(), medium: blank(s.utmMedium) ? '(not set)' : s.utmMedium.trim().toLowerCase() };
  if (!blank(s.referrerHost)) {
    const medium = !blank(s.utmMedium) ? s.utmMedium.trim().toLowerCase() : s.channel.startsWith('Organic') ? 'organic' : 'referral';
    return { source: s.referrerHost.trim().toLowerCase().replace(/^www\./, ''), medium };
  }
  if (!blank(s.utmMedium)) return { source: '(not set)', medium: s.utmMedium.trim().toLowerCase() };
  return { source: '(direct)', medium: '(none)' };
}
