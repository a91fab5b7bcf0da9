// Attribution activities (task queue `analytics`): one order (the attributeOrder workflow) or the next
// batch of a company's orders in a time range (the attributeOrders backfill). Both return what they did.
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { withLivenessHeartbeat } from '../support/liveness-heartbeat';
import { parseActivityInput } from '../support/parse-input';
import { attributeOrderRange, attributeOrderRefs, type AttributionCounts, type OrderCursor, type OrderRef } from './attribute-orders';

export type AttributionActivityDeps = { appPool: DatabasePool; logger: Logger };

const orderRef = z.object({ source: z.string().min(1).max(50), externalId: z.string().min(1).max(500) });
const attributeOrdersInput = z.object({ companyId: z.string().uuid(), orders: z.array(orderRef).min(1).max(10_000) });
const instant = z.string().datetime({ offset: true }).nullable();
const attributeRangeInput = z.object({
  companyId: z.string().uuid(),
  from: instant,
  to: instant,
  after: z.object({ createdAt: z.string().min(1), source: z.string(), externalId: z.string() }).nullable(),
  limit: z.number().int().min(1).max(20_000),
  pendingOnly: z.boolean(),
});

export type AttributeOrdersInput = z.infer<typeof attributeOrdersInput>;
export type AttributeRangeInput = z.infer<typeof attributeRangeInput>;
export type AttributeRangeResult = AttributionCounts & { next: OrderCursor | null };

export function createAttributionActivities(deps: AttributionActivityDeps) {
  return {
    /** Attributes the given orders (set-based: the same statements for one order or thousands). */
    async attributeOrders(rawInput: AttributeOrdersInput): Promise<AttributionCounts> {
      const input = parseActivityInput(attributeOrdersInput, rawInput);
      const counts = await withTenant(deps.appPool, input.companyId, (tx) => attributeOrderRefs(tx, input.companyId, input.orders));
      deps.logger.info({ company_id: input.companyId, orders: input.orders.length, ...counts }, 'orders attributed');
      return counts;
    },
    /** Attributes the next batch of orders of a time range after a keyset cursor; `next` is null when the range is done. */
    async attributeOrderRange(rawInput: AttributeRangeInput): Promise<AttributeRangeResult> {
      const input = parseActivityInput(attributeRangeInput, rawInput);
      // heartbeats while the batch runs: a worker that dies mid-batch is noticed within the heartbeat timeout
      const result = await withLivenessHeartbeat(() => withTenant(deps.appPool, input.companyId, (tx) => attributeOrderRange(tx, input.companyId, input)));
      deps.logger.debug({ company_id: input.companyId, from: input.from, to: input.to, ...result }, 'attribution batch done');
      return result;
    },
  };
}

export type AttributionActivities = ReturnType<typeof createAttributionActivities>;
export type { AttributionCounts, OrderCursor, OrderRef };
