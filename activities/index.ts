// All activities, built from their dependencies (the worker is the one place that wires them).
import type { CredentialsKey } from '../lib/credentials/cipher';
import type { DatabasePool } from '../lib/db/pool';
import type { Logger } from '../lib/logger';
import { createAlertActivities, type AlertDeliveryConfig } from './alerts';
import { createAttributionActivities } from './attribution';
import { createAudienceActivities } from './audiences';
import { createCommerceActivities } from './commerce';
import { createForwardingActivities } from './forwarding';
import { createMessageActivities } from './messages';
import { createRollupActivities } from './rollups';
import { createStackCheckActivities } from './stack-check';

export type ActivityDeps = {
  appPool: DatabasePool;
  logger: Logger;
  /** Decrypts integration credentials; without it, imports fail for good with a message naming LUX_CREDENTIALS_KEY. */
  credentialsKey?: CredentialsKey;
  /** Timeout of one conversion-forwarding or audience-upload request to an ad platform (default 30 s). */
  forwardingRequestTimeoutMs?: number;
  /** Alert email delivery (SMTP_URL, ALERT_FROM_EMAIL); without it, sendAlertDigest fails for good saying so. */
  alerts?: AlertDeliveryConfig;
};

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStackCheckActivities(deps),
    ...createCommerceActivities(deps),
    ...createAttributionActivities(deps),
    ...createForwardingActivities(deps),
    ...createAudienceActivities(deps),
    ...createRollupActivities(deps),
    ...createMessageActivities(deps),
    ...createAlertActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
