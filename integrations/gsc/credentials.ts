// A company's Google Search Console connection (`lux integrations set gsc`): an OAuth client with a
// refresh token of a user who has access to the properties (scope
// https://www.googleapis.com/auth/webmasters.readonly), and the properties to import. Base URLs are
// configuration (tests point them at a local fake).
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

/** A URL-prefix property ("https://example.com/") or a domain property ("sc-domain:example.com"). */
const siteUrl = z
  .string()
  .trim()
  .refine((value) => /^sc-domain:[a-z0-9.-]+$/i.test(value) || /^https?:\/\/[^\s]+$/.test(value), 'expected a Search Console property: https://example.com/ or sc-domain:example.com');

export const GSC_SEARCH_TYPES = ['web', 'image', 'video', 'news', 'discover', 'googleNews'] as const;

export const gscCredentialsSchema = z.object({
  clientId: z.string().trim().min(1),
  clientSecret: z.string().trim().min(1),
  refreshToken: z.string().trim().min(1),
  /** The properties to import (comma-separated on the command line). */
  siteUrls: z.preprocess(listInput, z.array(siteUrl).min(1, 'give at least one Search Console property')),
  /** The search type to read (the request's `type`; default web). */
  searchType: z.enum(GSC_SEARCH_TYPES).default('web'),
  /** 'all' includes fresh (incomplete) days, re-read until final by the lookback; 'final' only finished days. */
  dataState: z.enum(['all', 'final']).default('all'),
  /** Rows per request (startRow pages by this much); Google allows up to 25,000. */
  rowLimit: z.coerce.number().int().min(1).max(25_000).default(25_000),
  apiBaseUrl: httpBaseUrl.default('https://www.googleapis.com'),
  tokenUrl: httpBaseUrl.default('https://oauth2.googleapis.com/token'),
});

export type GscCredentials = z.infer<typeof gscCredentialsSchema>;
