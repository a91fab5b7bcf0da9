// The Stripe integration's public API: credentials, client, webhook verification, normalisation and
// import streams. Mapping rules and setup: docs/integrations/stripe.md.
export { stripeCredentialsSchema, STRIPE_DEFAULT_API_BASE_URL, type StripeCredentials, type StripeCredentialsInput } from './credentials';
export { createStripeClient, toVendorError, callStripe, STRIPE_VENDOR, STRIPE_DEFAULT_TIMEOUT_MS, type StripeClientOptions } from './client';
export { verifyStripeWebhook, STRIPE_SIGNATURE_HEADER, STRIPE_DEFAULT_TOLERANCE_SECONDS } from './webhook';
export {
  normaliseStripeEvent,
  normaliseStripeCharge,
  normaliseStripeRefund,
  normaliseStripeInvoice,
  normaliseStripeSubscription,
  normaliseStripeDispute,
  monthlyRecurringAmount,
  isSupportedStripeEventType,
  redactPersonalData,
  STRIPE_SUPPORTED_EVENT_TYPES,
  STRIPE_TRACKING_METADATA,
  STRIPE_ORDER_ID_METADATA,
  type StripeEventType,
} from './normalise';
export {
  createStripeStreams,
  createStripeStream,
  createStripeChargesStream,
  createStripeRefundsStream,
  createStripeSubscriptionsStream,
  createStripeDisputesStream,
  createStripeInvoicesStream,
  expandStripeInvoice,
  prepareStripeEvent,
  stripeListCursorSchema,
  STRIPE_STREAMS,
  STRIPE_MAX_PAGE_SIZE,
  type StripeListCursor,
  type StripeStreamName,
  type StripeStreamOptions,
} from './import';
export * from './schemas';
