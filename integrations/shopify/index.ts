// Shopify: orders by webhook (orders/create, orders/updated; checkouts/create kept raw) and by
// incremental import from the REST Admin API. docs/integrations/shopify.md explains the set-up.
export { shopifyCredentialsSchema, shopifyApiBaseUrl, DEFAULT_SHOPIFY_API_VERSION, type ShopifyCredentials, type ShopifyCredentialsInput } from './credentials';
export { shopifyOrderSchema, shopifyOrdersPageSchema, type ShopifyOrder, type ShopifyLineItem, type ShopifyRefund } from './schemas';
export { normaliseShopifyOrder, normaliseShopifyCheckout, shopifyOrderStatus, orderNumberFromName, SHOPIFY_TRACKING_ATTRIBUTES } from './normalise';
export {
  verifyShopifyWebhook,
  normaliseShopifyWebhook,
  shopifyDedupeKey,
  isShopifyWebhookTopic,
  SHOPIFY_WEBHOOK_TOPICS,
  type ShopifyWebhookTopic,
} from './webhook';
export {
  createShopifyOrdersStream,
  shopifyOrdersCursorSchema,
  nextPageInfo,
  SHOPIFY_MAX_PAGE_SIZE,
  type ShopifyOrdersCursor,
  type ShopifyOrdersStreamOptions,
} from './import';
