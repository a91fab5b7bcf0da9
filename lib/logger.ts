// Structured logging. Every log line about tenant data carries company_id and the ids involved;
// secrets and raw PII never reach a log line (the redact list is a safety net, not the plan).
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination`: where lines go (default stdout); tests pass an in-memory stream to inspect them. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
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
        'siteKey',
        '*.siteKey',
        'site_key',
        '*.site_key',
        'token',
        '*.token',
        'signature',
        '*.signature',
        'authorization',
        '*.authorization',
        'headers.cookie',
        'req.headers["x-lux-site-key"]',
        'headers["x-lux-site-key"]',
        'req.headers["x-forwarded-for"]',
        'headers["x-forwarded-for"]',
        'publicKey',
        '*.publicKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
