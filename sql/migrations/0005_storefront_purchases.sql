-- Up Migration
--
-- A storefront purchase event creates or completes a provisional order, in the same commit as the event.
--
-- Matching: a purchase's properties.order_id is compared, as an "order key" (trimmed, lower-cased, a
-- leading '#' removed), with each platform order's id and number. If the platform's record is already
-- stored, the event only fills in its missing visitor/session/user links (the platform's amounts win).
-- Otherwise a provisional order (source 'storefront', provisional) holds the storefront's amounts until
-- the platform's record arrives and takes it over (activities/commerce/save-records.ts).
--
-- Both sides take a transaction-scoped advisory lock per order key, so a webhook and a purchase event for
-- the same order arriving at the same moment cannot both create a row.

CREATE FUNCTION order_key(p_id text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN nullif(lower(regexp_replace(btrim(p_id), '^#', '')), '');

CREATE FUNCTION order_key_lock(p_company_id uuid, p_key text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN hashtextextended(p_company_id::text || ':order:' || p_key, 0);

CREATE FUNCTION record_storefront_purchases(p_company_id uuid, p_rows jsonb) RETURNS integer
  LANGUAGE plpgsql
  AS $$
DECLARE
  r record;
  v_key text;
  v_created integer := 0;
BEGIN
  FOR r IN
    SELECT * FROM jsonb_to_recordset(p_rows) AS t(event_id uuid, occurred_at timestamptz, visitor_id text,
      session_id text, user_id text, email_hash text, properties jsonb)
    ORDER BY order_key(properties ->> 'order_id') -- a stable lock order between concurrent flushes
  LOOP
    v_key := order_key(r.properties ->> 'order_id');
    CONTINUE WHEN v_key IS NULL;
    PERFORM pg_advisory_xact_lock(order_key_lock(p_company_id, v_key));

    -- The platform's record is here already: add the storefront's links, keep its amounts.
    UPDATE orders o SET
      visitor_id = coalesce(o.visitor_id, r.visitor_id),
      session_id = coalesce(o.session_id, r.session_id),
      user_id = coalesce(o.user_id, r.user_id),
      email_hash = coalesce(o.email_hash, r.email_hash),
      purchase_event_id = coalesce(o.purchase_event_id, r.event_id),
      updated_at = now()
    WHERE o.company_id = p_company_id AND o.source <> 'storefront' AND (o.order_key = v_key OR o.number_key = v_key);
    CONTINUE WHEN FOUND;

    INSERT INTO orders AS o (company_id, source, external_id, order_number, order_key, number_key, status, source_status,
      currency, total_minor, tax_minor, shipping_minor, created_at, paid_at, visitor_id, session_id, user_id,
      email_hash, purchase_event_id, provisional)
    VALUES (p_company_id, 'storefront', btrim(r.properties ->> 'order_id'), NULL, v_key, v_key, 'paid', 'storefront_purchase',
      r.properties ->> 'currency', (r.properties ->> 'value')::bigint, (r.properties ->> 'tax')::bigint,
      (r.properties ->> 'shipping')::bigint, r.occurred_at, r.occurred_at, r.visitor_id, r.session_id, r.user_id,
      r.email_hash, r.event_id, true)
    -- A second purchase event for the same order completes the links; the first one's amounts stay.
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET
      visitor_id = coalesce(o.visitor_id, EXCLUDED.visitor_id),
      session_id = coalesce(o.session_id, EXCLUDED.session_id),
      user_id = coalesce(o.user_id, EXCLUDED.user_id),
      email_hash = coalesce(o.email_hash, EXCLUDED.email_hash),
      updated_at = now();
    v_created := v_created + 1;

    INSERT INTO order_items (company_id, source, order_external_id, external_id, product_id, sku, name, quantity,
      unit_price_minor, total_minor)
    SELECT p_company_id, 'storefront', btrim(r.properties ->> 'order_id'), i.ordinality::text, i.item ->> 'product_id',
      i.item ->> 'sku', i.item ->> 'name', coalesce((i.item ->> 'quantity')::integer, 1),
      coalesce((i.item ->> 'price')::bigint, 0), coalesce((i.item ->> 'price')::bigint, 0) * coalesce((i.item ->> 'quantity')::integer, 1)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.properties -> 'items') = 'array' THEN r.properties -> 'items' ELSE '[]'::jsonb END)
      WITH ORDINALITY AS i(item, ordinality)
    ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN v_created;
END
$$;

REVOKE ALL ON FUNCTION record_storefront_purchases(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_storefront_purchases(uuid, jsonb) TO lux_app;

-- ingest_event_batch (0003) now also records storefront purchases; everything else is unchanged.
CREATE OR REPLACE FUNCTION ingest_event_batch(p_company_id uuid, p_rows jsonb, p_drops jsonb)
  RETURNS TABLE (out_duplicates text[], out_suppressed text[])
  LANGUAGE plpgsql
  AS $$
#variable_conflict use_column
DECLARE
  v_duplicates text[];
  v_suppressed text[];
BEGIN
  PERFORM set_config('app.company_id', p_company_id::text, true);

  WITH input AS (
    SELECT * FROM jsonb_to_recordset(p_rows) AS t(
      event_id uuid, event_name text, occurred_at timestamptz, client_occurred_at timestamptz,
      received_at timestamptz, source text, visitor_id text, session_id text, user_id text,
      page_url text, referrer text, properties jsonb, consent jsonb, context jsonb, ip_hash text,
      email_hash text, gpc boolean, forwardable boolean, creative_id text, concept_angle text)
  ),
  -- section: a suppressed person (by visitor, user, email hash, or a visitor linked to those)
  suppressed AS (
    SELECT i.event_id FROM input i
    WHERE EXISTS (
      SELECT 1 FROM suppressions s
      WHERE s.company_id = p_company_id AND ((s.kind = 'visitor_id' AND s.value = i.visitor_id)
         OR (s.kind = 'user_id' AND s.value = i.user_id)
         OR (s.kind = 'email_hash' AND s.value = i.email_hash)
         OR (i.visitor_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM identity_links l
              WHERE l.company_id = p_company_id AND l.visitor_id = i.visitor_id
                AND ((s.kind = 'user_id' AND l.user_id = s.value) OR (s.kind = 'email_hash' AND l.email_hash = s.value))))))
  ),
  inserted AS (
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, client_occurred_at, received_at, source,
      visitor_id, session_id, user_id, page_url, referrer, properties, consent, context, ip_hash, email_hash,
      gpc, forwardable, creative_id, concept_angle)
    SELECT p_company_id, event_id, event_name, occurred_at, client_occurred_at, received_at, source,
      visitor_id, session_id, user_id, page_url, referrer, properties, consent, context, ip_hash, email_hash,
      gpc, forwardable, creative_id, concept_angle
    FROM input WHERE event_id NOT IN (SELECT event_id FROM suppressed)
    ON CONFLICT (company_id, event_id) DO NOTHING
    RETURNING event_id, event_name, occurred_at, visitor_id, session_id, user_id, email_hash, page_url, referrer, context
  ),
  -- section: sessions, from the newly stored events only (so a retried batch counts nothing twice)
  session_batch AS (
    SELECT session_id,
      (array_agg(visitor_id ORDER BY occurred_at, event_id))[1] AS visitor_id,
      (array_agg(user_id ORDER BY occurred_at DESC) FILTER (WHERE user_id IS NOT NULL))[1] AS user_id,
      min(occurred_at) AS started_at,
      max(occurred_at) AS last_seen_at,
      (array_agg(jsonb_build_object('page_url', page_url, 'referrer', referrer, 'context', context)
                 ORDER BY occurred_at, event_id))[1] AS first_event,
      count(*) AS event_count,
      count(*) FILTER (WHERE event_name = 'page_view') AS page_view_count
    FROM inserted WHERE session_id IS NOT NULL
    GROUP BY session_id
  ),
  session_upsert AS (
    INSERT INTO sessions AS s (company_id, session_id, visitor_id, user_id, started_at, last_seen_at, landing_page,
      referrer, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, click_ids, channel,
      channel_rule, campaign_key, device_type, browser, os, event_count, page_view_count)
    SELECT p_company_id, b.session_id, b.visitor_id, b.user_id, b.started_at, b.last_seen_at,
      b.first_event ->> 'page_url', b.first_event ->> 'referrer',
      b.first_event #>> '{context,referrer_host}',
      b.first_event #>> '{context,utm,source}', b.first_event #>> '{context,utm,medium}',
      b.first_event #>> '{context,utm,campaign}', b.first_event #>> '{context,utm,term}',
      b.first_event #>> '{context,utm,content}',
      coalesce(b.first_event #> '{context,click_ids}', '{}'::jsonb),
      b.first_event #>> '{context,channel}', b.first_event #>> '{context,channel_rule}',
      coalesce(b.first_event #>> '{context,campaign_key}', ''),
      b.first_event #>> '{context,device,deviceType}', b.first_event #>> '{context,device,browser}',
      b.first_event #>> '{context,device,os}',
      b.event_count, b.page_view_count
    FROM session_batch b
    ORDER BY b.session_id -- a stable lock order between concurrent flushes
    ON CONFLICT (company_id, session_id) DO UPDATE SET
      user_id = coalesce(EXCLUDED.user_id, s.user_id),
      last_seen_at = greatest(s.last_seen_at, EXCLUDED.last_seen_at),
      event_count = s.event_count + EXCLUDED.event_count,
      page_view_count = s.page_view_count + EXCLUDED.page_view_count,
      -- A late event from before the stored start is the real landing: it decides the source.
      started_at = least(s.started_at, EXCLUDED.started_at),
      landing_page = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.landing_page ELSE s.landing_page END,
      referrer = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.referrer ELSE s.referrer END,
      referrer_host = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.referrer_host ELSE s.referrer_host END,
      utm_source = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.utm_source ELSE s.utm_source END,
      utm_medium = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.utm_medium ELSE s.utm_medium END,
      utm_campaign = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.utm_campaign ELSE s.utm_campaign END,
      utm_term = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.utm_term ELSE s.utm_term END,
      utm_content = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.utm_content ELSE s.utm_content END,
      click_ids = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.click_ids ELSE s.click_ids END,
      channel = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.channel ELSE s.channel END,
      channel_rule = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.channel_rule ELSE s.channel_rule END,
      campaign_key = CASE WHEN EXCLUDED.started_at < s.started_at THEN EXCLUDED.campaign_key ELSE s.campaign_key END
    RETURNING 1
  ),
  -- section: identity links (visitor ↔ user / hashed email)
  identity_upsert AS (
    INSERT INTO identity_links AS l (company_id, visitor_id, user_id, email_hash, first_seen_at, last_seen_at)
    SELECT p_company_id, visitor_id, coalesce(user_id, ''), coalesce(email_hash, ''), min(occurred_at), max(occurred_at)
    FROM inserted
    WHERE visitor_id IS NOT NULL AND (user_id IS NOT NULL OR email_hash IS NOT NULL)
    GROUP BY visitor_id, coalesce(user_id, ''), coalesce(email_hash, '')
    ORDER BY 2, 3, 4
    ON CONFLICT (company_id, visitor_id, user_id, email_hash) DO UPDATE SET
      first_seen_at = least(l.first_seen_at, EXCLUDED.first_seen_at),
      last_seen_at = greatest(l.last_seen_at, EXCLUDED.last_seen_at)
    RETURNING 1
  ),
  -- section: counted drops, per company-local day
  all_drops AS (
    SELECT reason, events FROM jsonb_to_recordset(p_drops) AS d(reason text, events bigint)
    UNION ALL
    SELECT 'suppressed', count(*) FROM suppressed HAVING count(*) > 0
  ),
  drop_upsert AS (
    INSERT INTO ingest_drops AS d (company_id, day, reason, events)
    SELECT p_company_id, (now() AT TIME ZONE c.time_zone)::date, a.reason, sum(a.events)
    FROM all_drops a CROSS JOIN companies c
    WHERE c.company_id = p_company_id
    GROUP BY c.time_zone, a.reason
    ON CONFLICT (company_id, day, reason) DO UPDATE SET events = d.events + EXCLUDED.events
    RETURNING 1
  )
  SELECT
    coalesce((SELECT array_agg(i.event_id::text) FROM input i
              WHERE i.event_id NOT IN (SELECT event_id FROM inserted) AND i.event_id NOT IN (SELECT event_id FROM suppressed)), '{}'),
    coalesce((SELECT array_agg(event_id::text) FROM suppressed), '{}')
  INTO v_duplicates, v_suppressed;

  -- section: storefront purchases create or complete provisional orders (only stored, unsuppressed ones)
  IF jsonb_path_exists(p_rows, '$[*] ? (@.event_name == "purchase")') THEN
    PERFORM record_storefront_purchases(p_company_id, (
      SELECT coalesce(jsonb_agg(r), '[]'::jsonb) FROM jsonb_array_elements(p_rows) AS r
      WHERE r ->> 'event_name' = 'purchase'
        AND NOT (r ->> 'event_id' = ANY (v_duplicates)) AND NOT (r ->> 'event_id' = ANY (v_suppressed))));
  END IF;

  RETURN QUERY SELECT v_duplicates, v_suppressed;
END
$$;

-- Down Migration
DROP FUNCTION IF EXISTS record_storefront_purchases(uuid, jsonb);
DROP FUNCTION IF EXISTS order_key_lock(uuid, text);
DROP FUNCTION IF EXISTS order_key(text);
-- (ingest_event_batch keeps the purchase step; re-run migration 0003's body to restore the old one.)
