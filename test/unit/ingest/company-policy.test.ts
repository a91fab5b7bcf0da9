import { decideCapture, trackingSettings, type CaptureInput } from '../../../lib/ingest/company-policy';

const base: CaptureInput = {
  trackingEnabled: true,
  settings: trackingSettings({}),
  source: 'browser',
  isBot: false,
  gpc: false,
  consent: undefined,
};

describe('decideCapture', () => {
  it.each<[string, Partial<CaptureInput>, ReturnType<typeof decideCapture>]>([
    ['stores an ordinary browser event', {}, { store: true, anonymize: false }],
    ['drops everything when the company disabled tracking', { trackingEnabled: false, gpc: true }, { store: false, reason: 'tracking_disabled' }],
    ['drops a bot before anything else about it', { isBot: true, consent: { analytics: true } }, { store: false, reason: 'bot' }],
    ['does not judge server-side senders by user agent', { source: 'server', isBot: true }, { store: true, anonymize: false }],
    ['drops when analytics consent is refused', { consent: { analytics: false } }, { store: false, reason: 'consent_denied' }],
    ['drops a refused server event too', { source: 'server', consent: { analytics: false } }, { store: false, reason: 'consent_denied' }],
    ['drops without consent under opt-in', { settings: trackingSettings({ consent_mode: 'opt-in' }) }, { store: false, reason: 'consent_missing' }],
    ['stores with consent under opt-in', { settings: trackingSettings({ consent_mode: 'opt-in' }), consent: { analytics: true } }, { store: true, anonymize: false }],
    ['does not apply opt-in to server-side records', { source: 'server', settings: trackingSettings({ consent_mode: 'opt-in' }) }, { store: true, anonymize: false }],
    ['drops GPC events by default', { gpc: true }, { store: false, reason: 'gpc' }],
    ['anonymises GPC events under the anonymize policy', { gpc: true, settings: trackingSettings({ gpc_policy: 'anonymize' }) }, { store: true, anonymize: true }],
    ['lets refused consent win over the anonymize policy', { gpc: true, consent: { analytics: false }, settings: trackingSettings({ gpc_policy: 'anonymize' }) }, { store: false, reason: 'consent_denied' }],
  ])('%s', (_name, overrides, expected) => {
    expect(decideCapture({ ...base, ...overrides })).toEqual(expected);
  });
});

describe('trackingSettings', () => {
  it('falls back to the privacy-preserving defaults for unknown or malformed settings', () => {
    expect(trackingSettings(undefined)).toMatchObject({ gpc_policy: 'drop', consent_mode: 'opt-out' });
    expect(trackingSettings({ gpc_policy: 'whatever' })).toMatchObject({ gpc_policy: 'drop', consent_mode: 'opt-out' });
  });
});
