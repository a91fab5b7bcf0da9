-- title: Funnel steps, conversion and drop-off
-- visualization: bar
-- chart: bar x=step y=sessions
-- description: Sessions reaching each step (page view → add to cart → begin checkout → purchase) over the range; a session reaching a later step counts as reaching the earlier ones that day. Conversion from the previous and the first step, and the drop-off between steps.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_funnel
WITH steps AS (
  SELECT step_index, step, sum(sessions) AS sessions
  FROM agg_daily_funnel
  WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
  GROUP BY step_index, step
),
final AS (
  SELECT step_index, step, sessions,
    round(sessions / nullif(lag(sessions) OVER w, 0), 4) AS conversion_from_previous,
    round(sessions / nullif(first_value(sessions) OVER w, 0), 4) AS conversion_from_first,
    lag(sessions) OVER w - sessions AS drop_off
  FROM steps
  WINDOW w AS (ORDER BY step_index)
)
SELECT step, sessions, conversion_from_previous, conversion_from_first, drop_off FROM final ORDER BY step_index
