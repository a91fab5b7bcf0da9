// Fault: the SMTP server is down when the alert digest is due. The send activity fails (connection
// refused) and Temporal retries it with backoff; once a real SMTP server listens on that port again, the
// digest is delivered exactly once and the alert is marked sent with every attempt counted.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { freePort } from '../../scripts/lib/free-port';
import { createLogger } from '../../lib/logger';
import { evaluateAlertsWorkflowId } from '../../lib/workflow-ids';
import { createLuxWorker } from '../../workers/create-worker';
import { evaluateAlertsWorkflow } from '../../workflows/evaluate-alerts';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal, testWorkflowBundle } from '../support/temporal';

jest.setTimeout(120_000);

const DAY = '2025-06-10';
let db: TestDatabase;
let env: TestWorkflowEnvironment;
let smtp: SMTPServer | undefined;
const received: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
});
afterAll(async () => {
  if (smtp) await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await env?.teardown();
  await db?.drop();
});

function startSmtp(port: number): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const deliveryOf = (companyId: string) =>
  db.ownerPool.maybeOne(sql.type(z.object({ status: z.string(), attempts: z.number() }))`
    SELECT status, attempts FROM alert_deliveries WHERE company_id = ${companyId}`);

test('a digest due while SMTP is down is retried and delivered once when the server is back', async () => {
  const { companyId } = await createTestCompany(db.ownerPool, 'Outage Shop');
  // One alert: 0.15 % spam complaints on 10,000 delivered emails (threshold 0.1 %).
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO agg_daily_messages (company_id, day, channel, provider, campaign_id, sends, delivered, complained, unsubscribed, currency)
    VALUES (${companyId}, ${DAY}::date - 2, 'email', 'mailgun', 'spring-sale', 10000, 10000, 15, 10, 'EUR')`);
  await db.ownerPool.query(sql.unsafe`INSERT INTO alert_settings (company_id, recipients) VALUES (${companyId}, ARRAY['team@outage.test'])`);

  const port = await freePort(); // nothing listens here yet: every connection is refused
  const common = { connection: env.nativeConnection, namespace: 'default', workflowBundle: testWorkflowBundle(), appPool: db.appPool, logger: createLogger('test-worker', 'silent') };
  const analyticsQueue = `test-analytics-${randomUUID()}`;
  const notificationsQueue = `test-notifications-${randomUUID()}`;
  const analytics = await createLuxWorker({ ...common, taskQueue: analyticsQueue });
  const notifications = await createLuxWorker({ ...common, taskQueue: notificationsQueue, alerts: { smtpUrl: `smtp://127.0.0.1:${port}`, fromEmail: 'alerts@lux.test' } });

  const result = await analytics.runUntil(
    notifications.runUntil(async () => {
      const handle = await env.client.workflow.start(evaluateAlertsWorkflow, {
        taskQueue: analyticsQueue,
        workflowId: evaluateAlertsWorkflowId(companyId, DAY),
        args: [{ companyId, day: DAY, notificationsTaskQueue: notificationsQueue }],
        typedSearchAttributes: [{ key: CompanyIdKey, value: companyId }],
      });
      // Wait until the send has failed at least twice against the dead port, then bring SMTP up.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const attempts = (await handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0;
        if (attempts >= 3) break;
        if (Date.now() > deadline) throw new Error(`the send was not retried (attempt ${attempts})`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(received).toHaveLength(0);
      smtp = await startSmtp(port);
      return handle.result();
    }),
  );

  expect(result.delivery).toMatchObject({ status: 'sent', alerts: 1, recipients: 1 });
  expect(received).toHaveLength(1);
  expect(received[0]).toContain('team@outage.test');
  const alert = await db.ownerPool.one(sql.type(z.object({ status: z.string(), delivery_attempts: z.number() }))`
    SELECT status, delivery_attempts FROM alerts WHERE company_id = ${companyId}`);
  expect(alert.status).toBe('sent');
  const delivery = await deliveryOf(companyId);
  expect(delivery?.status).toBe('sent');
  // Every try counted: at least the two refused connections plus the one that went through.
  expect(delivery?.attempts).toBeGreaterThanOrEqual(3);
  expect(alert.delivery_attempts).toBe(delivery?.attempts);
});
