// A Search Console row (as our client annotates it: the request's site, type and dimensions) →
// SearchConsoleRow. Pure; never throws: a row that cannot be read becomes a RejectedRow with the reason.
import { isDay } from '../../lib/ads/days';
import type { NormaliseResult } from '../../lib/commerce/records';
import { searchConsoleRowSchema } from '../../lib/organic/records';
import { describeIssues } from '../../lib/zod-issues';
import { gscRowSchema } from './schemas';

export function normaliseGscRow(raw: unknown): NormaliseResult {
  const parsed = gscRowSchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not a Search Console row: ${describeIssues(parsed.error).join('; ')}`);
  const row = parsed.data;
  if (row.keys.length !== row.dimensions.length) return reject(raw, `keys has ${row.keys.length} values for ${row.dimensions.length} dimensions (${row.dimensions.join(', ')})`);
  const key = (name: string): string | null => {
    const i = row.dimensions.indexOf(name);
    return i < 0 ? null : (row.keys[i] ?? null);
  };
  const day = key('date');
  if (day === null || !isDay(day)) return reject(raw, `keys: the date is not a real day: ${JSON.stringify(day)}`);
  if (!Number.isInteger(row.clicks) || !Number.isInteger(row.impressions)) return reject(raw, 'clicks and impressions must be whole numbers');
  const appearance = key('searchAppearance');
  const checked = searchConsoleRowSchema.safeParse({
    siteUrl: row.siteUrl,
    searchType: row.searchType,
    day,
    grain: appearance === null ? 'query_page' : 'search_appearance',
    query: appearance === null ? key('query') : null,
    page: appearance === null ? key('page') : null,
    searchAppearance: appearance,
    clicks: row.clicks,
    impressions: row.impressions,
    ctr: row.ctr,
    position: row.position,
    fresh: row.fresh,
  });
  if (!checked.success) return reject(raw, describeIssues(checked.error).join('; '));
  return { ok: true, records: [{ kind: 'search_console_row', row: checked.data }] };
}

function reject(raw: unknown, reason: string): NormaliseResult {
  return { ok: false, rejected: { externalId: readableId(raw), reason, raw } };
}

/** `${site}:${keys joined by |}` when short enough to be an id. */
function readableId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { siteUrl, keys } = raw as { siteUrl?: unknown; keys?: unknown };
  if (typeof siteUrl !== 'string' || !Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) return null;
  const id = `${siteUrl}:${(keys).join('|')}`;
  return id.length <= 200 ? id : null;
}
