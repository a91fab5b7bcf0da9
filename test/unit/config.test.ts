import { ConfigError, deriveAppDatabaseUrl, loadConfig, loadMigrationConfig } from '../../lib/config';

const valid = {
  DATABASE_URL: 'postgres://owner:pw@db.internal:5432/lux',
  IP_HASH_SECRET: 'x'.repeat(40),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to reject the environment');
}

describe('loadConfig', () => {
  it('accepts a minimal environment and fills in documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.COLLECTOR_PORT).toBe(8080);
    expect(config.SMTP_URL).toBe('smtp://127.0.0.1:1025');
  });

  it('derives the app role URL from DATABASE_URL when APP_DATABASE_URL is not set', () => {
    expect(loadConfig(valid).APP_DATABASE_URL).toBe('postgres://lux_app@db.internal:5432/lux');
    expect(deriveAppDatabaseUrl('postgresql://a:b@h/d')).toBe('postgresql://lux_app@h/d');
  });

  it('names DATABASE_URL when it is missing', () => {
    const problems = problemsOf({ IP_HASH_SECRET: valid.IP_HASH_SECRET });
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: is required: a postgres:\/\/ connection URL/)]);
  });

  it('names DATABASE_URL when it is not a postgres URL', () => {
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://x/y' })).toEqual([
      'DATABASE_URL: expected a postgres:// or postgresql:// connection URL',
    ]);
  });

  it('names every bad variable at once, with what is expected', () => {
    const problems = problemsOf({
      ...valid,
      COLLECTOR_PORT: 'eighty',
      TEMPORAL_ADDRESS: 'no-port-here',
      IP_HASH_SECRET: 'short',
      SMTP_URL: 'http://mail',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^COLLECTOR_PORT: expected a TCP port number/m);
    expect(problems.join('\n')).toMatch(/^TEMPORAL_ADDRESS: expected host:port/m);
    expect(problems.join('\n')).toMatch(/^IP_HASH_SECRET: expected at least 32 characters/m);
    expect(problems.join('\n')).toMatch(/^SMTP_URL: expected an smtp:\/\/ or smtps:\/\/ URL/m);
  });

  it('rejects a port out of range', () => {
    expect(problemsOf({ ...valid, COLLECTOR_PORT: '70000' })).toEqual(['COLLECTOR_PORT: expected a TCP port between 1 and 65535']);
  });

  it('never echoes a secret value in its messages', () => {
    const secret = 'tooshort-but-secret';
    const error = (() => {
      try {
        loadConfig({ ...valid, IP_HASH_SECRET: secret });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).not.toContain(secret);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...valid, COLLECTOR_PORT: '' }).COLLECTOR_PORT).toBe(8080);
  });
});

describe('loadMigrationConfig', () => {
  it('needs only DATABASE_URL', () => {
    expect(loadMigrationConfig({ DATABASE_URL: valid.DATABASE_URL }).DATABASE_URL).toBe(valid.DATABASE_URL);
    expect(() => loadMigrationConfig({})).toThrow(/DATABASE_URL/);
  });
});
