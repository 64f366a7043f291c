import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Creates the process logger. Redaction is a safety net: the code never passes key bytes, tokens,
 * certificates or client addresses to the logger in the first place.
 */
export function createLogger(options: { level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    name: options.name,
    base: { role: options.name },
    redact: {
      paths: [
        '*.key',
        '*.keys',
        '*.token',
        '*.revisionToken',
        '*.verificationPayload',
        '*.hmacKey',
        '*.privateKeyPem',
        'req.headers',
        '*.ip',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination as pino.DestinationStream) : pino(config);
}
