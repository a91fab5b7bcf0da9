-- title: Orders from new vs returning customers
-- visualization: bar
-- chart: bar x=day y=new_customer_orders,returning_customer_orders stacked
-- description: Per day, orders that were a customer's first counted order and orders from customers who had ordered before (customer = hashed email, else the platform's customer id).
-- variables: company_id (required), date_from, date_to
-- reads: agg_daily_revenue
SELECT day, sum(new_customers) AS new_customer_orders, sum(orders) - sum(new_customers) AS returning_customer_orders,
  round(sum(orders - new_customers)::numeric / nullif(sum(orders), 0), 4) AS returning_share
FROM agg_daily_revenue
WHERE company_id = {{company_id}} [[ AND day >= {{date_from}}::date ]] [[ AND day <= {{date_to}}::date ]]
GROUP BY day
ORDER BY day
