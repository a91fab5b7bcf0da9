import { adsConsentOf, decideForwarding, type GateInput, type LinkedEvent } from '../../../lib/forwarding/gate';

const event = (over: Partial<LinkedEvent> = {}): LinkedEvent => ({ occurredAt: 1000, gpc: false, forwardable: true, adsConsent: true, ...over });
const base = (over: Partial<GateInput> = {}): GateInput => ({
  destination: 'meta', merged: false, events: [event()], suppressed: false, enabled: true, configured: true, hasIdentifier: true, ...over,
});

describe('the forwarding gate', () => {
  test('an order with consent, enabled and configured, is forwarded', () => {
    expect(decideForwarding(base())).toEqual({ forward: true, reason: 'ok' });
  });

  test('GPC on any linked event blocks, even when everything else says yes', () => {
    expect(decideForwarding(base({ events: [event(), event({ gpc: true, adsConsent: true })] }))).toEqual({ forward: false, reason: 'gpc' });
  });

  test('GPC is the reason recorded even for a company that has not enabled forwarding', () => {
    expect(decideForwarding(base({ enabled: false, events: [event({ gpc: true })] })).reason).toBe('gpc');
  });

  test('an event stored under the GPC anonymize policy is not forwardable', () => {
    expect(decideForwarding(base({ events: [event({ forwardable: false })] })).reason).toBe('not_forwardable');
  });

  test('a suppressed person is never forwarded', () => {
    expect(decideForwarding(base({ suppressed: true })).reason).toBe('suppressed');
  });

  test('forwarding is off unless the company enabled the destination', () => {
    expect(decideForwarding(base({ enabled: false }))).toEqual({ forward: false, reason: 'forwarding_disabled' });
    expect(decideForwarding(base({ configured: false })).reason).toBe('not_configured');
  });

  test('no linked event, or no event with ads consent, is not forwarded', () => {
    expect(decideForwarding(base({ events: [] })).reason).toBe('no_linked_event');
    expect(decideForwarding(base({ events: [event({ adsConsent: null })] })).reason).toBe('no_ads_consent');
    expect(decideForwarding(base({ events: [event({ adsConsent: false })] })).reason).toBe('ads_consent_denied');
  });

  test('the newest stated consent decides: a later withdrawal wins over an earlier yes', () => {
    const events = [event({ occurredAt: 1, adsConsent: true }), event({ occurredAt: 2, adsConsent: false }), event({ occurredAt: 3, adsConsent: null })];
    expect(adsConsentOf(events)).toBe(false);
    expect(decideForwarding(base({ events })).reason).toBe('ads_consent_denied');
    expect(adsConsentOf([event({ occurredAt: 1, adsConsent: false }), event({ occurredAt: 2, adsConsent: true })])).toBe(true);
  });

  test('nothing to match on, and a merged provisional order, are skipped', () => {
    expect(decideForwarding(base({ hasIdentifier: false })).reason).toBe('no_identifier');
    expect(decideForwarding(base({ merged: true })).reason).toBe('order_merged');
  });
});
