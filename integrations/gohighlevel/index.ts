// GoHighLevel: contacts and opportunities arrive as signed webhooks and become Lead records (there is
// no import stream). docs/integrations/gohighlevel.md explains the set-up.
export { goHighLevelCredentialsSchema, parseGoHighLevelPublicKey, type GoHighLevelCredentials } from './credentials';
export {
  verifyGoHighLevelWebhook,
  goHighLevelDedupeKey,
  type GoHighLevelSignedOver,
  type GoHighLevelWebhookVerification,
  type GoHighLevelVerifyOptions,
} from './webhook';
export {
  normaliseGoHighLevelWebhook,
  leadKindOf,
  goHighLevelRecordFields,
  GOHIGHLEVEL_TRACKING_KEYS,
  OPPORTUNITY_STATUSES,
  type GoHighLevelNormaliseOptions,
} from './normalise';
