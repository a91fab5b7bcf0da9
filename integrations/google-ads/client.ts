// The one way LUX calls the Google Ads API (REST): the OAuth bearer token, the developer-token header,
// login-customer-id when a manager account is used, JSON in and a zod-checked JSON answer out, Google's
// error body read into a VendorHttpError that says whether a retry can help. The spend import,
// conversion uploads and Customer Match uploads all go through here.
import type { z } from 'zod';
import { fetchVendorJson, type VendorHttpError } from '../http';
import type { GoogleAdsCredentials } from './credentials';
import { classifyGoogleError } from './import';

const VENDOR = 'google_ads';

/** The headers of every Google Ads API call (never the token in a URL). */
export function googleAdsHeaders(credentials: GoogleAdsCredentials, accessToken: string): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${accessToken}`,
    'developer-token': credentials.developerToken,
    'content-type': 'application/json',
  };
  if (credentials.loginCustomerId !== undefined) headers['login-customer-id'] = credentials.loginCustomerId;
  return headers;
}

export type GoogleAdsPost = {
  /** under /{apiVersion}/, e.g. `customers/1234567890:uploadClickConversions` */
  path: string;
  body: unknown;
  /** the method's name, for error messages (`uploadClickConversions`, `offlineUserDataJobs:create`, ...) */
  operation: string;
  timeoutMs?: number;
  /** reads a method-specific refusal out of Google's error body before the generic reading */
  classifyError?: (failure: { status: number; text: string; headers: Headers }) => VendorHttpError | Error | null;
};

export async function postGoogleAds<S extends z.ZodTypeAny>(credentials: GoogleAdsCredentials, accessToken: () => Promise<string>, call: GoogleAdsPost, schema: S): Promise<z.infer<S>> {
  const url = new URL(`${credentials.apiBaseUrl}/${credentials.apiVersion}/${call.path}`);
  const headers = googleAdsHeaders(credentials, await accessToken());
  const response = await fetchVendorJson(
    {
      vendor: VENDOR,
      url,
      method: 'POST',
      headers,
      body: JSON.stringify(call.body),
      timeoutMs: call.timeoutMs ?? 30_000,
      classifyError: (failure) => {
        const specific = call.classifyError?.(failure) ?? null;
        // fetchVendorJson throws what this returns; a method-specific Error (not a VendorHttpError) is thrown as is
        if (specific !== null) throw specific;
        return classifyGoogleError(failure, call.operation);
      },
    },
    schema,
  );
  return response.data;
}

/** Every `errorCode` of a Google error body or partial failure, flattened to "kind:CODE" (e.g. "userListError:NAME_ALREADY_USED"). */
export function googleErrorCodes(body: unknown): string[] {
  const codes: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) return value.forEach((v) => visit(v, depth + 1));
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'errorCode' && typeof field === 'object' && field !== null) {
        for (const [kind, code] of Object.entries(field as Record<string, unknown>)) if (typeof code === 'string') codes.push(`${kind}:${code}`);
      } else visit(field, depth + 1);
    }
  };
  visit(body, 0);
  return codes;
}
