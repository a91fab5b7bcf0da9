-- title: Cohort LTV curves
-- visualization: line
-- chart: line x=months_since_first_order y=cumulative_ltv series=cohort_month
-- description: For each first-order month, cumulative revenue per customer by months since the first order (0 = the cohort month itself). Reporting currency. The range selects cohort months.
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_cohort_revenue, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
),
rows AS (
  SELECT date_trunc('month', first_order_day)::date AS cohort_month,
    (extract(year FROM day) - extract(year FROM first_order_day)) * 12 + extract(month FROM day) - extract(month FROM first_order_day) AS months_since_first_order,
    new_customers, revenue_minor
  FROM agg_daily_cohort_revenue
  WHERE company_id = {{company_id}}
    [[ AND first_order_day >= date_trunc('month', {{date_from}}::date) ]] [[ AND first_order_day <= {{date_to}}::date ]]
),
by_month AS (
  SELECT cohort_month, months_since_first_order::integer AS months_since_first_order, sum(new_customers) AS new_customers, sum(revenue_minor) AS revenue_minor
  FROM rows GROUP BY 1, 2
),
final AS (
  SELECT cohort_month, months_since_first_order,
    sum(new_customers) OVER (PARTITION BY cohort_month) AS customers,
    sum(revenue_minor) OVER (PARTITION BY cohort_month ORDER BY months_since_first_order) AS cumulative_revenue_minor
  FROM by_month
)
SELECT to_char(cohort_month, 'YYYY-MM') AS cohort_month, months_since_first_order, customers,
  round(cumulative_revenue_minor / nullif(customers, 0) / c.unit, 2) AS cumulative_ltv
FROM final CROSS JOIN company c
ORDER BY cohort_month, months_since_first_order
