// Alerts end to end: rollup rows seeded for a company-local day, evaluateAlertsWorkflow on the real
// Temporal dev server (the send activity on its own notifications queue), the digest received by a real
// SMTP server on loopback. A dropped first SMTP attempt is retried without a duplicate; a re-run activity
// or workflow sends nothing again; the next day's repeat is held back by the cooldown; a quiet company
// gets nothing.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { createAlertActivities } from '../../activities/alerts';
import { createLogger } from '../../lib/logger';
import { evaluateAlertsWorkflowId } from '../../lib/workflow-ids';
import { createLuxWorker } from '../../workers/create-worker';
import { dailyRollupWorkflow } from '../../workflows/daily-rollup';
import { evaluateAlertsWorkflow, type EvaluateAlertsResult } from '../../workflows/evaluate-alerts';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal, testWorkflowBundle } from '../support/temporal';

jest.setTimeout(120_000);

const DAY = '2025-06-10'; // a Tuesday
const NEXT_DAY = '2025-06-11';
const FROM = 'alerts@lux.test';

type Received = { from: string; to: string[]; raw: string };
let db: TestDatabase;
let env: TestWorkflowEnvironment;
let smtp: SMTPServer;
let smtpUrl: string;
const received: Received[] = [];
let rejectNext = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (rejectNext > 0) {
          rejectNext -= 1;
          const error = Object.assign(new Error('try again later'), { responseCode: 451 });
          return callback(error);
        }
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await env?.teardown();
  await db?.drop();
});

/** Quoted-printable soft breaks and escapes undone, so the test reads what a mail client shows. */
function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const m = /^=([0-9A-F]{2})/.exec(joined.slice(i, i + 3));
    if (m) {
      bytes.push(parseInt(m[1] as string, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The rollup rows of the day and its baselines; `anomalous` turns every rule's condition on. */
async function seedRollups(companyId: string, anomalous: boolean): Promise<void> {
  const d = sql.literalValue(DAY);
  await db.ownerPool.transaction(async (tx) => {
    // CPA: previous week (D-10) Brand 500.00/50, Generic 500.00/50; current week (D-3) Generic 900.00/30 when anomalous
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, spend_minor, orders_last_touch) VALUES
        (${companyId}, ${DAY}::date - 10, 'Paid Search', 'google', 'cpc', 'Brand', 50000, 50),
        (${companyId}, ${DAY}::date - 10, 'Paid Search', 'google', 'cpc', 'Generic', 50000, 50),
        (${companyId}, ${DAY}::date - 3, 'Paid Search', 'google', 'cpc', 'Brand', 50000, 50),
        (${companyId}, ${DAY}::date - 3, 'Paid Search', 'google', 'cpc', 'Generic', ${anomalous ? 90000 : 50000}, ${anomalous ? 30 : 50})`);
    // funnel: 28 baseline days of 1000 → 100 → 50 → 25 sessions; the day 1000 → 60 → 30 → 6 when anomalous
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
      SELECT ${companyId}, ${DAY}::date - g, s.i, s.name, s.n
      FROM generate_series(1, 28) g, (VALUES (1, 'page_view', 1000), (2, 'add_to_cart', 100), (3, 'begin_checkout', 50), (4, 'purchase', 25)) s(i, name, n)`);
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
      SELECT ${companyId}, ${DAY}::date, s.i, s.name, s.n
      FROM (VALUES (1, 'page_view', 1000), (2, 'add_to_cart', ${anomalous ? 60 : 98}), (3, 'begin_checkout', ${anomalous ? 30 : 49}), (4, 'purchase', ${anomalous ? 6 : 25})) s(i, name, n)`);
    // revenue: the last 8 Tuesdays around 1,000.00; the day 400.00 when anomalous
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency, fx_rate_missing, gross_reporting_minor)
      SELECT ${companyId}, ${DAY}::date - 7 * k, 'EUR', 10, 5, v, 0, 0, 'EUR', false, v
      FROM unnest(ARRAY[1, 2, 3, 4, 5, 6, 7, 8], ARRAY[100000, 105000, 98000, 102000, 99000, 101000, 103000, 97000]) AS x(k, v)`);
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency, fx_rate_missing, gross_reporting_minor)
      VALUES (${companyId}, ${d}::date, 'EUR', 4, 2, ${anomalous ? 40000 : 101000}, 0, 0, 'EUR', false, ${anomalous ? 40000 : 101000})`);
    // email: 10,000 delivered two days ago, 15 complaints (0.15 %) when anomalous, else 5 (0.05 %)
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_messages (company_id, day, channel, provider, campaign_id, sends, delivered, complained, unsubscribed, currency)
      VALUES (${companyId}, ${DAY}::date - 2, 'email', 'mailgun', 'spring-sale', 10000, 10000, ${anomalous ? 15 : 5}, 10, 'EUR')`);
    // creative: fatigued as of the day (healthy otherwise), still spending
    await tx.query(sql.unsafe`
      INSERT INTO creatives (company_id, platform, creative_id, name, first_seen_on) VALUES (${companyId}, 'meta', 'cr-1', 'Summer video', '2025-05-01')`);
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_creatives (company_id, day, platform, creative_id, impressions, clicks, spend_reporting_minor, days_since_first, cumulative_impressions, currency)
      VALUES (${companyId}, ${DAY}::date - 1, 'meta', 'cr-1', 20000, 220, 35000, 40, 250000, 'EUR')`);
    await tx.query(sql.unsafe`
      INSERT INTO creative_fatigue (company_id, platform, creative_id, as_of, status, fatigued_since, peak_ctr, peak_day, current_ctr, drop_share, cumulative_impressions, reason, params)
      VALUES (${companyId}, 'meta', 'cr-1', ${DAY}, ${anomalous ? 'fatigued' : 'healthy'}, ${anomalous ? '2025-06-08' : null}, 0.02, '2025-05-20', ${anomalous ? 0.011 : 0.019},
        ${anomalous ? 0.45 : 0.05}, 250000, 'fixture', '{}'::jsonb)`);
  });
}

async function startWorkers(): Promise<{ analytics: Worker; notifications: Worker; analyticsQueue: string; notificationsQueue: string }> {
  const common = { connection: env.nativeConnection, namespace: 'default', workflowBundle: testWorkflowBundle(), appPool: db.appPool, logger: createLogger('test-worker', 'silent') };
  const analyticsQueue = `test-analytics-${randomUUID()}`;
  const notificationsQueue = `test-notifications-${randomUUID()}`;
  const analytics = await createLuxWorker({ ...common, taskQueue: analyticsQueue });
  const notifications = await createLuxWorker({ ...common, taskQueue: notificationsQueue, alerts: { smtpUrl, fromEmail: FROM } });
  return { analytics, notifications, analyticsQueue, notificationsQueue };
}

async function evaluate(companyId: string, day: string): Promise<EvaluateAlertsResult> {
  const w = await startWorkers();
  return w.analytics.runUntil(
    w.notifications.runUntil(
      env.client.workflow.execute(evaluateAlertsWorkflow, {
        taskQueue: w.analyticsQueue,
        workflowId: evaluateAlertsWorkflowId(companyId, day),
        args: [{ companyId, day, notificationsTaskQueue: w.notificationsQueue }],
        typedSearchAttributes: [{ key: CompanyIdKey, value: companyId }],
      }),
    ),
  );
}

const alertRow = z.object({ rule: z.string(), dimension: z.string(), severity: z.string(), status: z.string(), delivery_attempts: z.number(), title: z.string(), explanation: z.string(), first_sent: z.boolean() });
const alertsOf = (companyId: string) =>
  db.ownerPool.any(sql.type(alertRow)`
    SELECT rule, dimension_kind || ':' || dimension_value AS dimension, severity, status, delivery_attempts, title, explanation, first_sent_at IS NOT NULL AS first_sent
    FROM alerts WHERE company_id = ${companyId} ORDER BY rule, dimension_kind, dimension_value, day`);

let companyA: string;
let firstEvaluation: EvaluateAlertsResult;

test('every rule fires on its fixture and one digest arrives, retried once without a duplicate', async () => {
  companyA = (await createTestCompany(db.ownerPool, 'Anomalous Shop')).companyId;
  await seedRollups(companyA, true);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO alert_settings (company_id, recipients) VALUES (${companyA}, ARRAY['marketing@shop.test', 'ceo@shop.test'])`);
  rejectNext = 1; // the SMTP server answers the first DATA with 451: the activity fails and Temporal retries it

  firstEvaluation = await evaluate(companyA, DAY);
  expect(firstEvaluation.fired.map((f) => `${f.rule} ${f.dimension} ${f.severity}`).sort()).toEqual([
    'checkout_abandonment_spike step:checkout critical',
    'cpa_increase channel:Paid Search critical',
    'cpa_increase overall:all critical',
    'creative_fatigue creative:meta:cr-1 warning',
    'email_complaint_rate overall:email warning',
    'funnel_step_drop step:add_to_cart critical',
    'revenue_anomaly overall:all critical',
  ]);
  expect(firstEvaluation.recorded).toMatchObject({ candidates: 7, open: 7, suppressedCooldown: 0 });
  expect(firstEvaluation.delivery).toMatchObject({ status: 'sent', alreadyDone: false, alerts: 7, recipients: 2 });

  expect(received).toHaveLength(1);
  const mail = received[0] as Received;
  expect(mail.from).toBe(FROM);
  expect(mail.to.sort()).toEqual(['ceo@shop.test', 'marketing@shop.test']);
  const headers = mail.raw.slice(0, mail.raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' '); // unfolded
  expect(headers).toContain(`Message-ID: ${firstEvaluation.delivery?.messageId}`);
  expect(mail.raw).toMatch(/Content-Type: text\/plain/);
  expect(mail.raw).toMatch(/Content-Type: text\/html/);
  const body = decodeQuotedPrintable(mail.raw);
  expect(headers).toContain('Subject: [LUX] 7 alerts for Anomalous Shop on 2025-06-10 (5 critical, 2 warning)');

  const rows = await alertsOf(companyA);
  expect(rows.every((r) => r.status === 'sent' && r.first_sent && r.delivery_attempts === 2)).toBe(true);
  // the explanation (with its numbers) of every alert is in the email; criticals come before warnings
  for (const r of rows) expect(body).toContain(r.explanation.split('\n')[0]);
  expect(body).toContain('each order cost EUR 17.50 on Paid Search: EUR 1,400.00 spend for 80 orders');
  expect(body).toContain('Campaign Generic: EUR 7.50 of the rise per order');
  expect(body).toContain('Revenue on 2025-06-10 was EUR 400.00, against a median of EUR 1,005.00 on the last 8 Tuesdays');
  expect(body).toContain('15 spam complaints came from 10,000 delivered emails: 0.15%');
  const textPart = body.slice(body.indexOf('Content-Type: text/plain'), body.indexOf('Content-Type: text/html'));
  const positions = rows.map((r) => ({ severity: r.severity, at: textPart.indexOf(r.title) }));
  expect(positions.every((p) => p.at > 0)).toBe(true);
  const lastCritical = Math.max(...positions.filter((p) => p.severity === 'critical').map((p) => p.at));
  const firstWarning = Math.min(...positions.filter((p) => p.severity === 'warning').map((p) => p.at));
  expect(lastCritical).toBeLessThan(firstWarning);

  const delivery = await db.ownerPool.one(sql.type(z.object({ status: z.string(), attempts: z.number(), message_id: z.string() }))`
    SELECT status, attempts, message_id FROM alert_deliveries WHERE company_id = ${companyA}`);
  expect(delivery).toEqual({ status: 'sent', attempts: 2, message_id: firstEvaluation.delivery?.messageId });
});

test('the send activity run again for the same evaluation sends nothing', async () => {
  const activities = createAlertActivities({ appPool: db.appPool, logger: createLogger('test', 'silent'), alerts: { smtpUrl, fromEmail: FROM } });
  const again = await activities.sendAlertDigest({ companyId: companyA, day: DAY, evaluationId: firstEvaluation.evaluationId });
  expect(again).toMatchObject({ status: 'sent', alreadyDone: true, messageId: firstEvaluation.delivery?.messageId });
  expect(received).toHaveLength(1);
});

test('a second run of the whole evaluation finds every alert already sent and mails nothing', async () => {
  const rerun = await evaluate(companyA, DAY);
  expect(rerun.recorded).toMatchObject({ candidates: 7, open: 0, alreadySent: 7 });
  expect(rerun.delivery).toBeNull();
  expect(received).toHaveLength(1);
});

test('the next day, the same conditions are held back by the cooldown', async () => {
  // the next day repeats the anomalies (funnel, CPA windows, complaints); the creative's fatigue episode continues
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
    SELECT company_id, day + 1, step_index, step, sessions FROM agg_daily_funnel WHERE company_id = ${companyA} AND day = ${DAY}`);
  await db.ownerPool.query(sql.unsafe`UPDATE creative_fatigue SET as_of = ${NEXT_DAY} WHERE company_id = ${companyA}`);
  const next = await evaluate(companyA, NEXT_DAY);
  expect(next.fired.map((f) => f.rule).sort()).toEqual(['checkout_abandonment_spike', 'cpa_increase', 'cpa_increase', 'creative_fatigue', 'email_complaint_rate', 'funnel_step_drop']);
  expect(next.recorded).toMatchObject({ open: 0, suppressedCooldown: 5, alreadySent: 1 });
  expect(next.delivery).toBeNull();
  expect(received).toHaveLength(1);
  const statuses = await db.ownerPool.any(sql.type(z.object({ rule: z.string(), status: z.string() }))`
    SELECT rule, status FROM alerts WHERE company_id = ${companyA} AND day = ${NEXT_DAY} ORDER BY rule, dimension_kind`);
  expect(statuses.every((s) => s.status === 'suppressed_cooldown')).toBe(true);
});

test('a quiet company fires nothing and gets no email', async () => {
  const quiet = (await createTestCompany(db.ownerPool, 'Quiet Shop')).companyId;
  await seedRollups(quiet, false);
  await db.ownerPool.query(sql.unsafe`INSERT INTO alert_settings (company_id, recipients) VALUES (${quiet}, ARRAY['team@quiet.test'])`);
  const result = await evaluate(quiet, DAY);
  expect(result.fired).toEqual([]);
  expect(result.delivery).toBeNull();
  expect(await alertsOf(quiet)).toEqual([]);
  expect(received).toHaveLength(1);
});

test('the daily rollup starts the evaluation of its latest day (alerts:<company>:<day>)', async () => {
  const company = (await createTestCompany(db.ownerPool, 'Rollup Shop')).companyId;
  const w = await startWorkers();
  const result = await w.analytics.runUntil(async () => {
    const rollup = await env.client.workflow.execute(dailyRollupWorkflow, {
      taskQueue: w.analyticsQueue,
      workflowId: `rollup:${company}:test`,
      args: [{ companyId: company, days: ['2025-06-08', '2025-06-09'], evaluateAlerts: true }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: company }],
    });
    const child = await env.client.workflow.getHandle<typeof evaluateAlertsWorkflow>(rollup.alertEvaluationStarted ?? 'none').result();
    return { rollup, child };
  });
  expect(result.rollup.alertEvaluationStarted).toBe(evaluateAlertsWorkflowId(company, '2025-06-09'));
  expect(result.child).toMatchObject({ companyId: company, day: '2025-06-09', fired: [], delivery: null });
});
