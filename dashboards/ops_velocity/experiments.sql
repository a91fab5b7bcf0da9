-- title: Experiments
-- visualization: table
-- description: Every experiment launched in the range: where it ran, when it launched and was decided, days to decision (or days running so far) and the outcome.
-- variables: company_id (required), date_from, date_to
-- reads: experiments
SELECT name, coalesce(channel, '') AS channel, launched_on, decided_on,
  CASE WHEN decided_on IS NOT NULL THEN decided_on - launched_on END AS days_to_decision, coalesce(outcome, 'running') AS outcome
FROM experiments
WHERE company_id = {{company_id}} [[ AND launched_on >= {{date_from}}::date ]] [[ AND launched_on <= {{date_to}}::date ]]
ORDER BY launched_on, name
