// Maps a site key or secret key to its company. Cached in memory for a short time so the hot path does
// not query Postgres per request; a revoked key or a changed setting takes effect within ttlMs.
import { LRUCache } from 'lru-cache';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../lib/db/pool';
import { trackingSettings, type CompanyTrackingSettings } from '../lib/ingest/company-policy';
import { hashSecretKey } from '../lib/keys';

export type ResolvedKey = {
  companyId: string;
  kind: 'site' | 'secret';
  trackingEnabled: boolean;
  settings: CompanyTrackingSettings;
  /** Site keys only: storefront origins allowed by CORS (empty: any). */
  allowedOrigins: string[];
  scopes: string[];
};

const siteKeyRow = z.object({
  company_id: z.string().uuid(),
  tracking_enabled: z.boolean(),
  settings: z.unknown(),
  allowed_origins: z.array(z.string()),
});
const secretKeyRow = z.object({
  company_id: z.string().uuid(),
  scopes: z.array(z.string()),
  tracking_enabled: z.boolean(),
  settings: z.unknown(),
});

const MISSING = Symbol('missing');

export class KeyResolver {
  private readonly cache: LRUCache<string, ResolvedKey | typeof MISSING> | undefined;

  /** ttlMs 0 turns the cache off (tests that change settings between requests). */
  constructor(
    private readonly pool: DatabasePool,
    ttlMs = 30_000,
  ) {
    this.cache = ttlMs > 0 ? new LRUCache({ max: 10_000, ttl: ttlMs }) : undefined;
  }

  async resolveSiteKey(siteKey: string): Promise<ResolvedKey | undefined> {
    return this.cached(`site:${siteKey}`, async () => {
      const row = await this.pool.maybeOne(sql.type(siteKeyRow)`
        SELECT company_id, tracking_enabled, settings, allowed_origins FROM resolve_site_key(${siteKey})`);
      return row
        ? { companyId: row.company_id, kind: 'site', trackingEnabled: row.tracking_enabled, settings: trackingSettings(row.settings), allowedOrigins: row.allowed_origins, scopes: ['ingest'] }
        : undefined;
    });
  }

  async resolveSecretKey(secretKey: string): Promise<ResolvedKey | undefined> {
    const hash = hashSecretKey(secretKey);
    return this.cached(`secret:${hash}`, async () => {
      const row = await this.pool.maybeOne(sql.type(secretKeyRow)`
        SELECT company_id, scopes, tracking_enabled, settings FROM resolve_secret_key(${hash})`);
      return row
        ? { companyId: row.company_id, kind: 'secret', trackingEnabled: row.tracking_enabled, settings: trackingSettings(row.settings), allowedOrigins: [], scopes: row.scopes }
        : undefined;
    });
  }

  /** After an admin change, so the next request sees it at once (on this collector instance). */
  clear(): void {
    this.cache?.clear();
  }

  private async cached(key: string, load: () => Promise<ResolvedKey | undefined>): Promise<ResolvedKey | undefined> {
    const hit = this.cache?.get(key);
    if (hit !== undefined) return hit === MISSING ? undefined : hit;
    const value = await load();
    // Unknown keys are cached too, so a flood of bad keys cannot turn into a flood of queries.
    this.cache?.set(key, value ?? MISSING);
    return value;
  }
}
