// Structured logging. Every log line about tenant data carries company_id and the ids involved;
// secrets and raw PII never reach a log line (the redact list is a safety net, not the plan).
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: {
      paths: [
        'password',
        '*.password',
        'secret',
        '*.secret',
        'secretKey',
        '*.secretKey',
        'email',
        '*.email',
        'ip',
        '*.ip',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'DATABASE_URL',
        'APP_DATABASE_URL',
        'IP_HASH_SECRET',
        'LUX_CREDENTIALS_KEY',
        'credentials',
        '*.credentials',
        'webhookSecret',
        '*.webhookSecret',
        'apiKey',
        '*.apiKey',
        'accessToken',
        '*.accessToken',
        'consumerSecret',
        '*.consumerSecret',
      ],
      censor: '[redacted]',
    },
  });
}
