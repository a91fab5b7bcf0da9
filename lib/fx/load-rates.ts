// Writes daily FX rates into the global fx_rates table (migration 0007): an upsert per (day, base,
// quote), so loading the same file again changes nothing and a corrected file replaces the rates it
// covers. Runs over the owner connection: the application role may only read rates.
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool';
import type { FxRate } from './rates-csv';

const CHUNK = 5000;

export async function loadFxRates(pool: DatabasePool, rates: readonly FxRate[]): Promise<{ written: number; unchanged: number }> {
  let written = 0;
  await pool.transaction(async (tx) => {
    for (let start = 0; start < rates.length; start += CHUNK) {
      const chunk = rates.slice(start, start + CHUNK);
      written += await tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
        WITH upserted AS (
          INSERT INTO fx_rates AS f (day, base_currency, quote_currency, rate, source)
          SELECT r.day, r."baseCurrency", r."quoteCurrency", r.rate::numeric, r.source
          FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS r(day date, "baseCurrency" text, "quoteCurrency" text, rate text, source text)
          ON CONFLICT (day, base_currency, quote_currency) DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source, loaded_at = now()
          WHERE (f.rate, f.source) IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.source)
          RETURNING 1)
        SELECT count(*) AS n FROM upserted`);
    }
  });
  return { written, unchanged: rates.length - written };
}
