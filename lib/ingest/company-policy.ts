// What a company asked us to capture, and the decision for one event. Pure, so every privacy rule is a
// unit test (test/unit/ingest/company-policy.test.ts).
import { z } from 'zod';

export const companyTrackingSettingsSchema = z
  .object({
    /** Sec-GPC: 1 / navigator.globalPrivacyControl: drop the event (default) or store it anonymised. */
    gpc_policy: z.enum(['drop', 'anonymize']).default('drop'),
    /** opt-out (default): capture unless analytics consent is refused; opt-in: only with consent. */
    consent_mode: z.enum(['opt-out', 'opt-in']).default('opt-out'),
  })
  .passthrough();
export type CompanyTrackingSettings = z.infer<typeof companyTrackingSettingsSchema>;

/** Unknown or malformed settings fall back to the privacy-preserving defaults. */
export function trackingSettings(settings: unknown): CompanyTrackingSettings {
  const parsed = companyTrackingSettingsSchema.safeParse(settings ?? {});
  return parsed.success ? parsed.data : companyTrackingSettingsSchema.parse({});
}

export type DropReason = 'bot' | 'gpc' | 'consent_denied' | 'consent_missing' | 'tracking_disabled' | 'suppressed';
export type CaptureDecision = { store: true; anonymize: boolean } | { store: false; reason: DropReason };

export type CaptureInput = {
  trackingEnabled: boolean;
  settings: CompanyTrackingSettings;
  source: 'browser' | 'server';
  isBot: boolean;
  gpc: boolean;
  consent: { analytics?: boolean } | undefined;
};

export function decideCapture(input: CaptureInput): CaptureDecision {
  if (!input.trackingEnabled) return { store: false, reason: 'tracking_disabled' };
  // Bots are judged by the browser's user agent; server-side senders are trusted callers.
  if (input.source === 'browser' && input.isBot) return { store: false, reason: 'bot' };
  if (input.consent?.analytics === false) return { store: false, reason: 'consent_denied' };
  // Opt-in applies to browser tracking; server-side records (orders, CRM) are the merchant's own data.
  if (input.source === 'browser' && input.settings.consent_mode === 'opt-in' && input.consent?.analytics !== true) {
    return { store: false, reason: 'consent_missing' };
  }
  if (input.gpc) {
    return input.settings.gpc_policy === 'anonymize' ? { store: true, anonymize: true } : { store: false, reason: 'gpc' };
  }
  return { store: true, anonymize: false };
}
