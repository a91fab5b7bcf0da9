// Google Ads click conversions: POST /v{N}/customers/{cid}:uploadClickConversions with
// {conversions: [...], partialFailure: true} (../shared/REFERENCE.md). With partialFailure the request
// succeeds (200) even when a conversion is refused; the refusal is in partialFailureError (a
// google.rpc.Status whose details carry GoogleAdsFailure errors with the index of the conversion), and
// the refused conversion's entry in `results` is an empty object. Same auth as the spend import.
import { z } from 'zod';
import { postGoogleAds } from './client';
import type { GoogleAdsCredentials } from './credentials';
import { googleAccessToken } from './import';

export const googleUploadResponseSchema = z
  .object({
    partialFailureError: z
      .object({ code: z.number().optional(), message: z.string().optional(), details: z.array(z.unknown()).optional() })
      .passthrough()
      .optional(),
    results: z.array(z.object({ gclid: z.string().optional(), gbraid: z.string().optional(), wbraid: z.string().optional(), conversionAction: z.string().optional(), conversionDateTime: z.string().optional(), orderId: z.string().optional() }).passthrough()).default([]),
    jobId: z.string().optional(),
  })
  .passthrough();
export type GoogleUploadResponse = z.infer<typeof googleUploadResponseSchema>;

/** The error codes of a partial failure (e.g. {conversionUploadError: 'CLICK_CONVERSION_ALREADY_EXISTS'}), flattened to "kind:CODE". */
export function partialFailureCodes(response: GoogleUploadResponse): string[] {
  const codes: string[] = [];
  for (const detail of response.partialFailureError?.details ?? []) {
    const errors = (detail as { errors?: Array<{ errorCode?: Record<string, string> }> }).errors ?? [];
    for (const e of errors) for (const [kind, code] of Object.entries(e.errorCode ?? {})) codes.push(`${kind}:${code}`);
  }
  return codes;
}

/** Google already holds this conversion (an earlier attempt that timed out on our side did reach it). */
export const ALREADY_UPLOADED_CODES = new Set(['conversionUploadError:CLICK_CONVERSION_ALREADY_EXISTS', 'conversionUploadError:ORDER_ID_ALREADY_IN_USE']);

export async function uploadClickConversions(
  credentials: GoogleAdsCredentials,
  customerId: string,
  body: unknown,
  options: { timeoutMs?: number } = {},
): Promise<GoogleUploadResponse> {
  return postGoogleAds(
    credentials,
    googleAccessToken(credentials),
    { path: `customers/${customerId}:uploadClickConversions`, body, operation: 'uploadClickConversions', ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
    googleUploadResponseSchema,
  );
}
