// Role administration that must not live in migrations (passwords are deployment secrets).
import pg from 'pg';
import { APP_ROLE } from '../config';

export async function setAppRolePassword(ownerUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters; escapeLiteral quotes the value safely.
    await client.query(`ALTER ROLE ${APP_ROLE} PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
}
