// After a storefront purchase event is committed (ingest_event_batch created a provisional order, or
// linked the platform's order to the visitor), start that order's attribution. The purchase's order id
// is matched to the counted order the same way migration 0005 does (order key = id or number).
//
// Best effort, after the answer: the event is already durable, so a Temporal outage must not fail the
// request. A start that could not happen is logged, and the company's pending sweep
// (`lux attribution backfill --company <id> --pending`, also run after every import) attributes the
// order later: it takes every order never attributed or changed since its attribution.
import { Client, Connection } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { startAttributeOrderWorkflow } from '../../workers/start-attribution';

export type StartOrderAttribution = (companyId: string, order: { source: string; externalId: string }) => Promise<unknown>;
export type OnPurchasesStored = (companyId: string, purchaseOrderIds: string[]) => void;

const orderRefRow = z.object({ source: z.string(), external_id: z.string() });

export function attributionAfterPurchase(deps: { appPool: DatabasePool; logger: Logger; start: StartOrderAttribution }): OnPurchasesStored {
  const run = async (companyId: string, purchaseOrderIds: string[]): Promise<void> => {
    const orders = await withTenant(deps.appPool, companyId, (tx) =>
      tx.any(sql.type(orderRefRow)`
        SELECT source, external_id FROM fct_orders
        WHERE company_id = ${companyId}
          AND (order_key = ANY (SELECT order_key(k) FROM unnest(${sql.array(purchaseOrderIds, 'text')}::text[]) AS k)
            OR number_key = ANY (SELECT order_key(k) FROM unnest(${sql.array(purchaseOrderIds, 'text')}::text[]) AS k))`),
    );
    await Promise.all(orders.map((o) => deps.start(companyId, { source: o.source, externalId: o.external_id })));
  };
  return (companyId, purchaseOrderIds) => {
    if (purchaseOrderIds.length === 0) return;
    run(companyId, purchaseOrderIds).catch((error: unknown) =>
      deps.logger.warn({ company_id: companyId, orders: purchaseOrderIds, err: error }, 'could not start attribution after a purchase (the pending sweep will attribute it)'),
    );
  };
}

/** A Temporal client opened on first use and reopened after a failure (like the webhook starter). */
export function temporalAttributionStarter(options: { address: string; namespace: string; taskQueue?: string }): StartOrderAttribution & { close(): Promise<void> } {
  let client: Promise<Client> | undefined;
  const connect = (): Promise<Client> => {
    client ??= Connection.connect({ address: options.address, connectTimeout: '3 seconds' }).then(
      (connection) => new Client({ connection, namespace: options.namespace }),
      (error: unknown) => {
        client = undefined;
        throw error;
      },
    );
    return client;
  };
  const start: StartOrderAttribution = async (companyId, order) => startAttributeOrderWorkflow(await connect(), { companyId, ...order }, options.taskQueue);
  return Object.assign(start, {
    close: async (): Promise<void> => {
      const pending = client;
      client = undefined;
      if (pending) await (await pending.catch(() => undefined))?.connection.close();
    },
  });
}
