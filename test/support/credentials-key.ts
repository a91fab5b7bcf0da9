// One credentials key per test process: integration credentials saved by a test are encrypted with it,
// and the workers and collectors the test starts (in process or as children, via the hex form) decrypt
// with the same key.
import { randomBytes } from 'node:crypto';
import { parseCredentialsKey, type CredentialsKey } from '../../lib/credentials/cipher';

export const TEST_CREDENTIALS_KEY_HEX = randomBytes(32).toString('hex');
export const TEST_CREDENTIALS_KEY: CredentialsKey = parseCredentialsKey(TEST_CREDENTIALS_KEY_HEX);
