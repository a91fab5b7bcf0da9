// `lux forwarding …`: which ad platforms (and GA4) a company's conversions are forwarded to.
//   forwarding enable <google_ads|meta|tiktok|ga4> --company <id> [--config '{"pixelId":"123"}']
//   forwarding disable <destination> --company <id>
//   forwarding list --company <id>
// Forwarding is off until enabled here; the consent/GPC/suppression gate still decides per order
// (docs/forwarding.md). Secrets stay in integration credentials (`lux integrations set …`).
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { withTenant } from '../../lib/db/tenant';
import { DESTINATIONS, type Destination } from '../../lib/forwarding/destinations';
import { FORWARDING_CONFIG_SCHEMAS } from '../../lib/forwarding/settings';
import { oneOf, parseConfigOption, printJson as print } from './options';
import { withOwnerPool } from './owner-pool';

const settingRow = z.object({ destination: z.string(), enabled: z.boolean(), config: z.record(z.unknown()), updated_at: z.string() });

const destinationOf = (value: string): Destination => oneOf('destination', DESTINATIONS, value);
/** The destination's settings, checked with its schema before anything is written. */
const parseConfig = (destination: Destination, json: string | undefined): Record<string, unknown> =>
  parseConfigOption(destination, FORWARDING_CONFIG_SCHEMAS[destination], json);

async function setEnabled(companyId: string, destination: Destination, enabled: boolean, config: Record<string, unknown> | null) {
  return withOwnerPool((pool) =>
    withTenant(pool, companyId, (tx) =>
      tx.one(sql.type(settingRow)`
        INSERT INTO conversion_forwarding_settings (company_id, destination, enabled, config)
        VALUES (${companyId}, ${destination}, ${enabled}, ${sql.jsonb((config ?? {}) as never)})
        ON CONFLICT (company_id, destination) DO UPDATE
          SET enabled = EXCLUDED.enabled, updated_at = now(),
              config = CASE WHEN ${config === null} THEN conversion_forwarding_settings.config ELSE EXCLUDED.config END
        RETURNING destination, enabled, config, updated_at::text`),
    ),
  );
}

export function registerForwardingCommands(program: Command): void {
  const forwarding = program.command('forwarding').description('server-side conversion forwarding per company (off until enabled)');
  forwarding
    .command('enable')
    .argument('<destination>', DESTINATIONS.join(', '))
    .requiredOption('--company <id>')
    .option('--config <json>', 'the destination settings, e.g. {"conversionActionId":"123"} (google_ads), {"pixelId":"…"} (meta), {"pixelCode":"…"} (tiktok)')
    .action(async (value: string, o: { company: string; config?: string }) => {
      const destination = destinationOf(value);
      print({ ok: true, company: o.company, ...(await setEnabled(o.company, destination, true, parseConfig(destination, o.config))) });
    });
  forwarding
    .command('disable')
    .argument('<destination>', DESTINATIONS.join(', '))
    .requiredOption('--company <id>')
    .action(async (value: string, o: { company: string }) => {
      print({ ok: true, company: o.company, ...(await setEnabled(o.company, destinationOf(value), false, null)) });
    });
  forwarding
    .command('list')
    .requiredOption('--company <id>')
    .action(async (o: { company: string }) => {
      const rows = await withOwnerPool((pool) =>
        withTenant(pool, o.company, (tx) => tx.any(sql.type(settingRow)`
          SELECT destination, enabled, config, updated_at::text FROM conversion_forwarding_settings WHERE company_id = ${o.company} ORDER BY destination`)),
      );
      print({ ok: true, company: o.company, destinations: DESTINATIONS.map((d) => rows.find((r) => r.destination === d) ?? { destination: d, enabled: false, config: {}, updated_at: null }) });
    });
}
