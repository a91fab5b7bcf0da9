// Alert activities. loadAlertInputs (analytics queue) reads the day's metrics; recordAlerts (analytics)
// upserts what the rules fired on its dedupe key and applies the cooldown; sendAlertDigest (notifications
// queue, retried) mails one digest per company per evaluation and marks its alerts sent.
//
// Delivery guarantee of sendAlertDigest: claim → send → mark, around one alert_deliveries row per
// evaluation (unique on company + evaluation id):
//   1. one transaction locks (or creates) the delivery row; a row already `sent` ends the activity at once,
//      so a retry after a successful send, or a second run of the activity, sends nothing. Otherwise it
//      claims the day's `open` alerts for this delivery and counts the attempt.
//   2. the digest goes to SMTP with a Message-ID derived from company + evaluation (the same on every try).
//   3. a second transaction marks the delivery and its alerts `sent` (alerts.first_sent_at).
// A failure before the SMTP server accepts the message (connection refused, 4xx/5xx) leaves everything
// claimed but unsent, and Temporal's retry sends it: at-least-once, never silently dropped. The one window
// left is a crash between the server's 250 and step 3's commit: the retry sends again, with the same
// Message-ID (mail clients and Mailpit show it as the same message). We chose that over at-most-once
// (marking sent before sending), which would lose an alert whenever SMTP fails after the mark.
// Alerts already `sent` are never claimed again, so a re-run of the whole evaluation (a new delivery row)
// mails only alerts that are new.
import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import { EmailChannel, type AlertChannel } from '../../lib/alerts/channel';
import { digestMessageId, renderDigest } from '../../lib/alerts/digest';
import type { Alert, AlertInputs } from '../../lib/alerts/types';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { parseActivityInput } from '../support/parse-input';
import { loadAlertInputsSql } from './load-alert-inputs';

export type AlertDeliveryConfig = {
  smtpUrl: string;
  fromEmail: string;
  /** Tests and future channels: build the channel for a send (default: EmailChannel over smtpUrl). */
  createChannel?: () => AlertChannel;
};

export type AlertActivityDeps = { appPool: DatabasePool; logger: Logger; alerts?: AlertDeliveryConfig };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a company-local day YYYY-MM-DD');
const dayInput = z.object({ companyId: z.string().uuid(), day });
const sendInput = dayInput.extend({ evaluationId: z.string().min(1).max(500) });
const recordInput = dayInput.extend({
  evaluationId: z.string().min(1).max(500),
  cooldownDays: z.number().int().min(0).max(90),
  alerts: z.array(z.object({ dedupeKey: z.string().min(1).max(700), rule: z.string().regex(/^[a-z_]{1,60}$/) }).passthrough()).max(10_000),
});

export type AlertDayInput = z.infer<typeof dayInput>;
export type RecordAlertsInput = { companyId: string; day: string; evaluationId: string; cooldownDays: number; alerts: Alert[] };
export type RecordAlertsResult = { candidates: number; open: number; suppressedCooldown: number; alreadySent: number; resolved: number };
export type SendAlertDigestInput = z.infer<typeof sendInput>;
export type SendAlertDigestResult = {
  deliveryId: number;
  status: 'sent' | 'no_recipients' | 'nothing_to_send';
  /** true when an earlier attempt (or run) had already finished this delivery: nothing was sent now */
  alreadyDone: boolean;
  messageId: string;
  alerts: number;
  recipients: number;
};

const statusCount = z.object({ status: z.string(), n: z.coerce.number() });
const deliveryRow = z.object({ delivery_id: z.coerce.number(), status: z.string(), message_id: z.string(), alert_count: z.number(), recipients: z.array(z.string()) });
const claimedRow = z.object({ severity: z.enum(['critical', 'warning', 'info']), change: z.coerce.number(), dedupe_key: z.string(), title: z.string(), explanation: z.string(), explanation_html: z.string() });
const settingsRow = z.object({ name: z.string(), recipients: z.array(z.string()).nullable(), enabled: z.boolean().nullable() });

export function createAlertActivities(deps: AlertActivityDeps) {
  return {
    /** The day's metric inputs and the company's thresholds (read-only). */
    async loadAlertInputs(rawInput: AlertDayInput): Promise<AlertInputs> {
      const input = parseActivityInput(dayInput, rawInput);
      try {
        return await withTenant(deps.appPool, input.companyId, (tx) => loadAlertInputsSql(tx, input.companyId, input.day));
      } catch (error) {
        if (error instanceof z.ZodError) throw ApplicationFailure.nonRetryable(`invalid alert thresholds in alert_settings: ${error.message}`, 'InvalidThresholds');
        throw error;
      }
    },

    /**
     * Upserts the evaluated alerts on (company, dedupe key). New ones are `open`, or `suppressed_cooldown`
     * when an alert of the same rule and dimension was sent within the cooldown; a `sent` alert is never
     * changed (its email said what it said). Open alerts of the day the rules no longer fire become `resolved`.
     */
    async recordAlerts(rawInput: RecordAlertsInput): Promise<RecordAlertsResult> {
      const input = parseActivityInput(recordInput, rawInput) as unknown as RecordAlertsInput;
      const rows = input.alerts.map((a) => ({
        rule: a.rule, dimension_kind: a.dimensionKind, dimension_value: a.dimensionValue, severity: a.severity, unit: a.unit,
        current_value: a.current, baseline_value: a.baseline, change: a.change, contributors: a.contributors, details: a.details,
        title: a.title, explanation: a.explanation, explanation_html: a.explanationHtml, dedupe_key: a.dedupeKey,
      }));
      const keys = rows.map((r) => r.dedupe_key);
      const result = await withTenant(deps.appPool, input.companyId, async (tx) => {
        const upserted = await tx.any(sql.type(statusCount)`
          WITH x AS (
            SELECT * FROM jsonb_to_recordset(${sql.jsonb(rows)}) AS x(rule text, dimension_kind text, dimension_value text, severity text, unit text,
              current_value numeric, baseline_value numeric, change numeric, contributors jsonb, details jsonb, title text, explanation text,
              explanation_html text, dedupe_key text)
          ),
          upserted AS (
            INSERT INTO alerts (company_id, rule, day, dimension_kind, dimension_value, severity, unit, current_value, baseline_value, change,
              contributors, details, title, explanation, explanation_html, dedupe_key, status, evaluation_id)
            SELECT ${input.companyId}, x.rule, ${input.day}::date, x.dimension_kind, x.dimension_value, x.severity, x.unit, x.current_value,
              x.baseline_value, x.change, x.contributors, x.details, x.title, x.explanation, x.explanation_html, x.dedupe_key,
              -- section: cooldown: the same rule + dimension sent within cooldown_days of this day (either side: backfills)
              CASE WHEN EXISTS (
                SELECT 1 FROM alerts s
                WHERE s.company_id = ${input.companyId} AND s.status = 'sent' AND s.rule = x.rule AND s.dimension_kind = x.dimension_kind
                  AND s.dimension_value = x.dimension_value AND s.dedupe_key <> x.dedupe_key
                  AND s.day > ${input.day}::date - ${input.cooldownDays}::int AND s.day < ${input.day}::date + ${input.cooldownDays}::int
              ) THEN 'suppressed_cooldown' ELSE 'open' END,
              ${input.evaluationId}
            FROM x
            ON CONFLICT (company_id, dedupe_key) DO UPDATE SET
              severity = EXCLUDED.severity, unit = EXCLUDED.unit, current_value = EXCLUDED.current_value, baseline_value = EXCLUDED.baseline_value,
              change = EXCLUDED.change, contributors = EXCLUDED.contributors, details = EXCLUDED.details, title = EXCLUDED.title,
              explanation = EXCLUDED.explanation, explanation_html = EXCLUDED.explanation_html, evaluation_id = EXCLUDED.evaluation_id,
              -- an alert being delivered keeps its status; a resolved one that fires again is re-judged
              status = CASE WHEN alerts.delivery_id IS NOT NULL AND alerts.status = 'open' THEN 'open' ELSE EXCLUDED.status END,
              updated_at = now()
            WHERE alerts.status <> 'sent'
            RETURNING status
          )
          SELECT status, count(*) AS n FROM upserted GROUP BY status`);
        const alreadySent = await tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
          SELECT count(*) AS n FROM alerts WHERE company_id = ${input.companyId} AND status = 'sent' AND dedupe_key = ANY(${sql.array(keys, 'text')})`);
        const resolved = await tx.any(sql.unsafe`
          UPDATE alerts SET status = 'resolved', updated_at = now()
          WHERE company_id = ${input.companyId} AND day = ${input.day}::date AND status IN ('open', 'suppressed_cooldown') AND delivery_id IS NULL
            AND NOT (dedupe_key = ANY(${sql.array(keys, 'text')}))
          RETURNING alert_id`);
        const n = (s: string) => upserted.find((r) => r.status === s)?.n ?? 0;
        return { candidates: rows.length, open: n('open'), suppressedCooldown: n('suppressed_cooldown'), alreadySent, resolved: resolved.length };
      });
      deps.logger.info({ company_id: input.companyId, day: input.day, evaluation_id: input.evaluationId, ...result }, 'alerts recorded');
      return result;
    },

    /** Mails the day's open alerts as one digest (claim → send → mark; see the top of this file). */
    async sendAlertDigest(rawInput: SendAlertDigestInput): Promise<SendAlertDigestResult> {
      const input = parseActivityInput(sendInput, rawInput);
      const config = deps.alerts;
      if (!config) throw ApplicationFailure.nonRetryable('alert delivery is not configured on this worker (SMTP_URL, ALERT_FROM_EMAIL)', 'NotConfigured');
      const messageId = digestMessageId(input.companyId, input.evaluationId, config.fromEmail);
      const log = { company_id: input.companyId, day: input.day, evaluation_id: input.evaluationId, message_id: messageId };

      // section: 1. claim
      const claim = await withTenant(deps.appPool, input.companyId, async (tx) => {
        const settings = await tx.one(sql.type(settingsRow)`
          SELECT c.name, s.recipients, s.enabled FROM companies c LEFT JOIN alert_settings s USING (company_id) WHERE c.company_id = ${input.companyId}`);
        await tx.query(sql.unsafe`
          INSERT INTO alert_deliveries (company_id, evaluation_id, day, channel, message_id)
          VALUES (${input.companyId}, ${input.evaluationId}, ${input.day}::date, 'email', ${messageId})
          ON CONFLICT (company_id, evaluation_id, channel) DO NOTHING`);
        const delivery = await tx.one(sql.type(deliveryRow)`
          SELECT delivery_id, status, message_id, alert_count, recipients FROM alert_deliveries
          WHERE company_id = ${input.companyId} AND evaluation_id = ${input.evaluationId} AND channel = 'email'
          FOR UPDATE`);
        if (delivery.status !== 'pending') return { kind: 'done' as const, delivery };
        const alerts = await tx.any(sql.type(claimedRow)`
          UPDATE alerts SET delivery_id = ${delivery.delivery_id}, delivery_attempts = delivery_attempts + 1, updated_at = now()
          WHERE company_id = ${input.companyId} AND day = ${input.day}::date AND status = 'open'
            AND (delivery_id IS NULL OR delivery_id = ${delivery.delivery_id} OR delivery_id IN (
              -- a claim left by an evaluation that gave up more than an hour ago
              SELECT d.delivery_id FROM alert_deliveries d WHERE d.company_id = ${input.companyId} AND d.status = 'pending' AND d.claimed_at < now() - interval '1 hour'))
          RETURNING severity, change, dedupe_key, title, explanation, explanation_html`);
        const recipients = settings.enabled === false ? [] : (settings.recipients ?? []);
        const status: 'nothing_to_send' | 'no_recipients' | 'pending' = alerts.length === 0 ? 'nothing_to_send' : recipients.length === 0 ? 'no_recipients' : 'pending';
        if (status !== 'pending') {
          // nothing goes out: release the claim (the alerts stay open, visible in the table and the next digest)
          await tx.query(sql.unsafe`UPDATE alerts SET delivery_id = NULL WHERE company_id = ${input.companyId} AND delivery_id = ${delivery.delivery_id} AND status = 'open'`);
        }
        await tx.query(sql.unsafe`
          UPDATE alert_deliveries SET status = ${status}, attempts = attempts + 1, recipients = ${sql.array(recipients, 'text')}, alert_count = ${alerts.length}, claimed_at = now()
          WHERE company_id = ${input.companyId} AND delivery_id = ${delivery.delivery_id}`);
        return { kind: status, delivery: { ...delivery, status, recipients, alert_count: alerts.length }, alerts, companyName: settings.name };
      });
      const result = (status: SendAlertDigestResult['status'], alreadyDone: boolean): SendAlertDigestResult => ({
        deliveryId: claim.delivery.delivery_id, status, alreadyDone, messageId, alerts: claim.delivery.alert_count, recipients: claim.delivery.recipients.length,
      });
      if (claim.kind === 'done') {
        deps.logger.info({ ...log, status: claim.delivery.status }, 'alert digest already delivered: not sending again');
        return result(claim.delivery.status === 'no_recipients' || claim.delivery.status === 'nothing_to_send' ? claim.delivery.status : 'sent', true);
      }
      if (claim.kind !== 'pending') {
        deps.logger.info({ ...log, status: claim.kind }, claim.kind === 'no_recipients' ? 'alert digest not sent: no recipients (lux alerts recipients)' : 'no open alerts to send');
        return result(claim.kind, false);
      }

      // section: 2. send
      const digest = renderDigest({ companyName: claim.companyName, day: input.day, alerts: claim.alerts.map((a) => ({ ...a, dedupeKey: a.dedupe_key, explanationHtml: a.explanation_html })) });
      const channel = config.createChannel ? config.createChannel() : new EmailChannel({ smtpUrl: config.smtpUrl, from: config.fromEmail });
      let sent;
      try {
        sent = await channel.send({ ...digest, messageId, recipients: claim.delivery.recipients });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        deps.logger.warn({ ...log, err: error }, 'alert digest send failed; Temporal retries it');
        await withTenant(deps.appPool, input.companyId, (tx) =>
          tx.query(sql.unsafe`UPDATE alert_deliveries SET last_error = ${message.slice(0, 2000)} WHERE company_id = ${input.companyId} AND delivery_id = ${claim.delivery.delivery_id}`),
        );
        throw error;
      } finally {
        channel.close();
      }

      // section: 3. mark
      await withTenant(deps.appPool, input.companyId, async (tx) => {
        await tx.query(sql.unsafe`
          UPDATE alert_deliveries SET status = 'sent', sent_at = now(), last_error = NULL, smtp_response = ${sent.response.slice(0, 2000)}
          WHERE company_id = ${input.companyId} AND delivery_id = ${claim.delivery.delivery_id}`);
        await tx.query(sql.unsafe`
          UPDATE alerts SET status = 'sent', first_sent_at = coalesce(first_sent_at, now()), updated_at = now()
          WHERE company_id = ${input.companyId} AND delivery_id = ${claim.delivery.delivery_id} AND status = 'open'`);
      });
      deps.logger.info({ ...log, alerts: claim.alerts.length, recipients: claim.delivery.recipients.length, rejected: sent.rejected.length }, 'alert digest sent');
      return result('sent', false);
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
