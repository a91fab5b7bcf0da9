-- Up Migration
--
-- Ad spend (Google Ads, Meta, TikTok) and the daily FX rates that put amounts of different currencies
-- into a company's reporting currency. CAC and ROAS read these; the rollups that compute them live
-- elsewhere.
--
-- ad_spend is derived (re-imported days are overwritten with the platform's newest numbers), one row
-- per (company, platform, ad account, day, ad) — or per campaign where a platform reports no ads.
-- Money is kept exactly: spend_micros as the platform reported it, spend_minor in integer minor units
-- of the row's currency. Amounts are never added across currencies: ad_spend_reporting converts each
-- row with fx_rates and says when no rate exists (NULL, never 1.0).

-- section: integration credentials for the ad platforms -------------------------------------------------
ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check
  CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'gohighlevel', 'google_ads', 'meta', 'tiktok'));

-- section: ad spend ----------------------------------------------------------------------------------------
CREATE TABLE ad_spend (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  platform           text NOT NULL CHECK (platform IN ('google_ads', 'meta', 'tiktok')),
  -- Google Ads customer id (10 digits), Meta ad account id (without act_), TikTok advertiser id
  account_id         text NOT NULL,
  -- The platform's reporting day, in the ad account's time zone (account_time_zone when the platform
  -- names it). Platforms report whole days only, so a day cannot be re-cut into another zone: set the ad
  -- account's time zone to the company's and this is the company-local day (docs/integrations/ad-spend.md).
  day                date NOT NULL,
  level              text NOT NULL CHECK (level IN ('ad', 'campaign')),
  campaign_id        text NOT NULL,
  campaign_name      text,
  -- Google ad group, Meta ad set, TikTok ad group
  ad_group_id        text,
  ad_group_name      text,
  -- NULL at level 'campaign'. Google: '<ad group id>~<ad id>' (one ad can serve in several ad groups)
  ad_id              text,
  ad_name            text,
  -- The creative shown (Google and TikTok: the ad's id; NULL where the report does not say, Meta)
  creative_id        text,
  currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Exactly as reported, in millionths of the currency unit
  spend_micros       bigint NOT NULL CHECK (spend_micros >= 0),
  -- Integer minor units (cents) of currency; equal to spend_micros unless the platform reported more
  -- precision than the currency's minor unit (then rounded half-up)
  spend_minor        bigint NOT NULL CHECK (spend_minor >= 0),
  impressions        bigint NOT NULL CHECK (impressions >= 0),
  clicks             bigint NOT NULL CHECK (clicks >= 0),
  account_time_zone  text,
  -- What the key is unique on: the ad, or the campaign for campaign-level rows
  entity_id          text GENERATED ALWAYS AS (coalesce(ad_id, campaign_id)) STORED,
  first_imported_at  timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, platform, account_id, day, level, entity_id),
  CHECK ((level = 'ad') = (ad_id IS NOT NULL))
);
CREATE INDEX ad_spend_company_day_idx ON ad_spend (company_id, day);
CREATE INDEX ad_spend_company_campaign_idx ON ad_spend (company_id, platform, campaign_id, day);
COMMENT ON TABLE ad_spend IS 'Daily ad spend, impressions and clicks per ad (or campaign), exact micros and minor units in the row''s currency. Convert with ad_spend_reporting, never sum across currencies.';

-- section: FX rates ----------------------------------------------------------------------------------------
-- Global, not per company: an exchange rate is public market data (ECB reference rates, a bank's fixing),
-- the same for every tenant, and carries no company data. One table loaded once serves every company,
-- and no tenant can change the rates another tenant's figures are converted with: lux_app may only read
-- it; rates are loaded by the owner (`lux fx load <csv>`). (In a Citus cluster this is a reference table,
-- replicated to every node, which is why it needs no company_id.)
-- 1 base_currency = rate quote_currency on day. One rate per pair and day: a reload replaces it.
CREATE TABLE fx_rates (
  day             date NOT NULL,
  base_currency   char(3) NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
  quote_currency  char(3) NOT NULL CHECK (quote_currency ~ '^[A-Z]{3}$'),
  rate            numeric NOT NULL CHECK (rate > 0),
  -- where the rate came from: 'ecb', 'manual', a file name, ...
  source          text NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 200),
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, base_currency, quote_currency),
  CHECK (base_currency <> quote_currency)
);
CREATE INDEX fx_rates_quote_idx ON fx_rates (quote_currency, base_currency, day);
COMMENT ON TABLE fx_rates IS 'Global daily FX rates: 1 base_currency = rate quote_currency. Not tenant data (no company_id, no RLS); lux_app reads only.';

-- Minor-unit digits of an ISO 4217 currency (the same table as lib/commerce/money.ts).
CREATE FUNCTION currency_minor_digits(p_currency text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN upper(p_currency) IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 0
    WHEN upper(p_currency) IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 3
    WHEN upper(p_currency) IN ('CLF', 'UYW') THEN 4
    ELSE 2
  END;

-- How many days back a rate may be taken from when the day itself has none: reference rates are not
-- published on weekends and bank holidays (Easter closes the ECB for four days), but ads spend every day.
-- Older than this, there is no rate and the amount is flagged, never converted with a stale rate.
CREATE FUNCTION fx_rate_max_age_days() RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 6;

-- The rate that turns 1 p_from into p_to on p_day: the same currency is 1; otherwise the newest day within
-- fx_rate_max_age_days() on or before p_day that has the pair directly, inverted (1 / rate of p_to→p_from),
-- or crossed through a common base on that day (ECB publishes EUR→X only: USD→GBP = EUR→GBP / EUR→USD).
-- No row when there is none. rate_day says which day's rate was used.
CREATE FUNCTION fx_lookup(p_from text, p_to text, p_day date) RETURNS TABLE (rate numeric, rate_day date, method text)
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT 1::numeric, p_day, 'same currency' WHERE upper(p_from) = upper(p_to)
    UNION ALL
    (SELECT c.rate, c.day, c.method
     FROM (
       SELECT f.rate, f.day, 'direct' AS method, 1 AS preference FROM fx_rates f
       WHERE f.base_currency = upper(p_from) AND f.quote_currency = upper(p_to)
         AND f.day BETWEEN p_day - fx_rate_max_age_days() AND p_day
       UNION ALL
       SELECT 1 / f.rate, f.day, 'inverse', 2 FROM fx_rates f
       WHERE f.base_currency = upper(p_to) AND f.quote_currency = upper(p_from)
         AND f.day BETWEEN p_day - fx_rate_max_age_days() AND p_day
       UNION ALL
       SELECT t.rate / s.rate, s.day, 'cross via ' || s.base_currency, 3 FROM fx_rates s
       JOIN fx_rates t ON t.day = s.day AND t.base_currency = s.base_currency AND t.quote_currency = upper(p_to)
       WHERE s.quote_currency = upper(p_from)
         AND s.day BETWEEN p_day - fx_rate_max_age_days() AND p_day
     ) c
     WHERE upper(p_from) <> upper(p_to)
     ORDER BY c.day DESC, c.preference, c.method
     LIMIT 1)
  $$;

-- An amount in minor units of p_from as minor units of p_to on p_day, rounded half-up to p_to's minor
-- unit; NULL when there is no rate (a missing rate is never read as 1).
CREATE FUNCTION fx_convert_minor(p_amount_minor bigint, p_from text, p_to text, p_day date) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT round(p_amount_minor * l.rate * power(10::numeric, currency_minor_digits(p_to) - currency_minor_digits(p_from)))::bigint
    FROM fx_lookup(p_from, p_to, p_day) l
  $$;

-- section: ad spend in the reporting currency -------------------------------------------------------------
-- Every ad_spend row with its amount in the company's reporting currency (converted from the exact
-- micros), the rate used and which day it was from; fx_rate_missing marks rows that could not be
-- converted (spend_reporting_minor is NULL for them). Sum spend_reporting_minor, and check
-- fx_rate_missing: a total with missing rows is incomplete.
CREATE VIEW ad_spend_reporting WITH (security_barrier = true, security_invoker = true) AS
  SELECT
    s.company_id, s.platform, s.account_id, s.day, s.level, s.campaign_id, s.campaign_name, s.ad_group_id, s.ad_group_name,
    s.ad_id, s.ad_name, s.creative_id, s.impressions, s.clicks, s.account_time_zone,
    -- section: spend as reported
    s.currency, s.spend_micros, s.spend_minor,
    -- section: spend in the reporting currency
    c.reporting_currency,
    fx.rate AS fx_rate,
    fx.rate_day AS fx_rate_day,
    fx.method AS fx_method,
    round(s.spend_micros * fx.rate / power(10::numeric, 6 - currency_minor_digits(c.reporting_currency)))::bigint AS spend_reporting_minor,
    fx.rate IS NULL AS fx_rate_missing
  FROM ad_spend s
  JOIN companies c ON c.company_id = s.company_id
  LEFT JOIN LATERAL fx_lookup(s.currency, c.reporting_currency, s.day) fx ON true;
COMMENT ON VIEW ad_spend_reporting IS 'ad_spend converted into the company''s reporting_currency with fx_rates; spend_reporting_minor is NULL and fx_rate_missing true when no rate exists.';

-- section: row level security and grants --------------------------------------------------------------------
SELECT enable_tenant_isolation('ad_spend');
GRANT SELECT, INSERT, UPDATE ON ad_spend TO lux_app;
GRANT SELECT ON fx_rates TO lux_app; -- read only: rates are loaded by the owner
GRANT SELECT ON ad_spend_reporting TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS ad_spend_reporting;
DROP FUNCTION IF EXISTS fx_convert_minor(bigint, text, text, date);
DROP FUNCTION IF EXISTS fx_lookup(text, text, date);
DROP FUNCTION IF EXISTS fx_rate_max_age_days();
DROP FUNCTION IF EXISTS currency_minor_digits(text);
DROP TABLE IF EXISTS fx_rates, ad_spend;
ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check
  CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'gohighlevel'));
