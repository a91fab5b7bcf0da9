-- title: Sessions and qualified session rate per day
-- visualization: line
-- chart: line x=day y=sessions,qualified_sessions
-- description: Sessions started per company-local day, qualified sessions (≥ 2 page views, a key event or ≥ 30 s; docs/metrics.md) and their rate. With a channel, only that channel's sessions.
-- variables: company_id (required), date_from, date_to, channel
-- reads: agg_daily_acquisition
SELECT day, sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions,
  round(sum(qualified_sessions) / nullif(sum(sessions), 0), 4) AS qualified_session_rate
FROM agg_daily_acquisition
WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]] [[ AND channel = {{channel}} ]]
GROUP BY day
HAVING sum(sessions) > 0
ORDER BY day
