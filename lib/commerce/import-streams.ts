// Which import streams each vendor has, in the order an import of that vendor runs them. Pure data, so
// workflows can read it deterministically (integrations/registry.ts builds the streams themselves).
export const IMPORT_STREAMS = {
  woocommerce: ['orders'],
  shopify: ['orders'],
  // Charges first: refunds and disputes refer to them.
  stripe: ['charges', 'invoices', 'refunds', 'disputes', 'subscriptions'],
  // Ad platforms: one daily spend report each (integrations/ad-report-stream.ts), stored in ad_spend.
  google_ads: ['ad_spend'],
  meta: ['ad_spend'],
  tiktok: ['ad_spend'],
  // Organic channels (lib/organic/records.ts): search_console_daily and social_page_daily.
  gsc: ['search_analytics'],
  meta_pages: ['page_insights'],
  x: ['account_days'],
} as const;

export type ImportSource = keyof typeof IMPORT_STREAMS;

export function isImportSource(source: string): source is ImportSource {
  return Object.prototype.hasOwnProperty.call(IMPORT_STREAMS, source);
}

export function importStreamsOf(source: ImportSource): readonly string[] {
  return IMPORT_STREAMS[source];
}
