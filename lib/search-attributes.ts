// Custom Temporal search attributes, so ops can find any run in the Temporal UI by company or order
// (e.g. `CompanyId = "…"`). Plain data: the dev-server launcher registers them, workflows/ sets them.
export const SEARCH_ATTRIBUTES = {
  CompanyId: 'Keyword',
  OrderId: 'Keyword',
} as const;
