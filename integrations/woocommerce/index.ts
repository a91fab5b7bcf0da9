// WooCommerce: the public API of this integration (credentials, order import, webhook verification and
// normalisation). Everything else in this folder is an implementation detail.
export { wooCommerceCredentialsSchema, wooCommerceRestBase, wooCommerceAuthorization, type WooCommerceCredentials } from './credentials';
export {
  wooOrderSchema,
  wooLineItemSchema,
  wooOrderRefundSchema,
  wooMetaDataSchema,
  type WooCommerceOrder,
  type WooLineItem,
  type WooOrderRefund,
  type WooMetaData,
} from './schemas';
export {
  normaliseWooCommerceOrder,
  mapWooCommerceStatus,
  redactWooCommerceRow,
  WOOCOMMERCE_STATUS_MAP,
  WOOCOMMERCE_TRACKING_META_KEYS,
} from './normalise';
export {
  verifyWooCommerceWebhook,
  normaliseWooCommerceWebhook,
  wooCommerceDedupeKey,
  isWooCommerceWebhookTopic,
  WOOCOMMERCE_WEBHOOK_TOPICS,
  type WooCommerceWebhookTopic,
} from './webhook';
export {
  createWooCommerceOrdersStream,
  wooCommerceOrdersCursorSchema,
  WOOCOMMERCE_MAX_PER_PAGE,
  type WooCommerceOrdersCursor,
  type WooCommerceOrdersStreamOptions,
} from './import';
