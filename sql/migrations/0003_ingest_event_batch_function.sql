-- Up Migration
--
-- The collector's group commit as one function call: a single round trip per flush, and a plan that
-- plpgsql prepares once per connection instead of on every flush (bench/collector measured ~2 ms of
-- planning and 4 round trips per flush for the same SQL sent as a statement).
--
-- SECURITY INVOKER (the default): it runs as the caller (lux_app), so Row Level Security applies; it
-- sets the tenant for the current transaction itself, exactly as withTenant() does.
--
-- In: p_rows  = JSON array of raw event rows (lib/ingest/prepare-event.ts RawEventRow),
--     p_drops = JSON array of {reason, events} counted but not stored.
-- Out: the ids of input rows that were not stored, split into duplicates (event_id already stored) and
--      suppressed (a suppressed person). Every other input row was inserted.
CREATE FUNCTION ingest_event_batch(p_company_id uuid, p_rows jsonb, p_drops jsonb)
  RETURNS TABLE (out_duplicates text[], out_suppressed text[])
  LANGUAGE plpgsql
  AS $$
#variable_conflict use_column
BEGIN
  PERFORM set_config('app.company_id', p_company_id::text, true);

  RETURN QUERY
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
    coalesce((SELECT array_agg(event_id::text) FROM suppressed), '{}');
END
$$;

REVOKE ALL ON FUNCTION ingest_event_batch(uuid, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ingest_event_batch(uuid, jsonb, jsonb) TO lux_app;

-- Down Migration
DROP FUNCTION IF EXISTS ingest_event_batch(uuid, jsonb, jsonb);
