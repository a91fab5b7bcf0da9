-- title: Experiment velocity
-- visualization: table
-- description: Experiments launched in the range, how many of them are decided and still running, the median days from launch to decision and the win rate of the decided ones (wins / decided).
-- variables: company_id (required), date_from, date_to
-- reads: experiments
SELECT count(*) AS launched, count(*) FILTER (WHERE decided_on IS NOT NULL) AS decided, count(*) FILTER (WHERE decided_on IS NULL) AS running,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY decided_on - launched_on))::numeric, 1) AS median_days_to_decision,
  round((count(*) FILTER (WHERE outcome = 'win'))::numeric / nullif(count(*) FILTER (WHERE decided_on IS NOT NULL), 0), 4) AS win_rate
FROM experiments
WHERE company_id = {{company_id}} [[ AND launched_on >= {{date_from}}::date ]] [[ AND launched_on <= {{date_to}}::date ]]
