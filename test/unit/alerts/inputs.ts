// A quiet company-day (nothing fires) to build each rule's fixtures from.
import { resolveThresholds } from '../../../lib/alerts/thresholds';
import type { AlertInputs, FunnelCounts } from '../../../lib/alerts/types';

export const DAY = '2025-06-10'; // a Tuesday

export const funnelCounts = (pageViews: number, addToCart: number, beginCheckout: number, purchase: number): FunnelCounts => ({ pageViews, addToCart, beginCheckout, purchase });

export function quietInputs(overrides: Partial<AlertInputs> = {}): AlertInputs {
  return {
    companyId: '00000000-0000-4000-8000-000000000001',
    companyName: 'Test Shop',
    day: DAY,
    currency: 'EUR',
    thresholds: resolveThresholds({}),
    acquisition: [],
    funnel: { current: funnelCounts(0, 0, 0, 0), baseline: funnelCounts(0, 0, 0, 0), baselineDays: 28, baselineFrom: '2025-05-13', baselineTo: '2025-06-09' },
    channelFunnel: [],
    revenue: { currentMinor: 0, fxRateMissing: false, sameWeekday: [] },
    channelRevenue: [],
    email: { windowFrom: '2025-06-04', windowTo: DAY, delivered: 0, complained: 0, unsubscribed: 0, campaigns: [] },
    creatives: [],
    ...overrides,
  };
}
