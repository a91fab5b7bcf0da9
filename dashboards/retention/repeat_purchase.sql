-- title: Repeat purchase rate and LTV by cohort
-- visualization: table
-- chart: bar x=cohort_month y=repeat_purchase_rate
-- description: Customers by the month of their first counted order: cohort size, customers who ordered again, the repeat purchase rate, and revenue per customer to date and within 30 / 90 days of the first order (reporting currency). The range selects cohort months.
-- variables: company_id (required), date_from, date_to
-- reads: v_cohorts_monthly, companies
WITH company AS (
  SELECT power(10::numeric, currency_minor_digits(reporting_currency)) AS unit FROM companies WHERE company_id = {{company_id}}
)
SELECT to_char(cohort_month, 'YYYY-MM') AS cohort_month, customers, repeat_customers, repeat_purchase_rate,
  round(ltv_to_date_minor / c.unit, 2) AS ltv_to_date, round(ltv_30d_minor / c.unit, 2) AS ltv_30d, round(ltv_90d_minor / c.unit, 2) AS ltv_90d
FROM v_cohorts_monthly CROSS JOIN company c
WHERE company_id = {{company_id}} AND customers > 0
  [[ AND cohort_month >= date_trunc('month', {{date_from}}::date) ]] [[ AND cohort_month <= {{date_to}}::date ]]
ORDER BY cohort_month
