import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** `json`: one JSON object per line (for collectors); `pretty`: readable lines; `auto`: pretty on a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerSettings {
  level: string;
  /** What the process is: node, hub, migrate, admin, demo… */
  name: string;
  /** Which one (ENFED_INSTANCE, e.g. node-wa): tells the lines of several servers apart. Default: `name`. */
  instance?: string;
  format?: LogFormat;
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the process logger. Every line carries `role` and `instance`. Redaction is a safety net: the code
 * never passes key bytes, tokens, certificates or client addresses to the logger in the first place.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const instance = settings.instance ?? settings.name;
  const config: LoggerOptions = {
    level: settings.level,
    name: instance,
    base: { role: settings.name, instance },
    redact: {
      paths: [
        '*.key',
        '*.keys',
        '*.token',
        '*.revisionToken',
        '*.verificationPayload',
        '*.hmacKey',
        '*.privateKeyPem',
        '*.privateKey',
        '*.secret',
        '*.pin',
        'req.headers',
        '*.ip',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = settings.destination ?? process.stdout;
  const format = settings.format ?? 'json';
  const isTerminal = (destination as { isTTY?: boolean }).isTTY === true;
  if (format === 'pretty' || (format === 'auto' && isTerminal)) {
    // Synchronous pretty-printing in this thread: a terminal is read by a person, never at a volume that matters.
    const stream = pretty({
      destination: destination as NodeJS.WritableStream & { write(chunk: string): boolean },
      colorize: isTerminal,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,role,instance,name',
      messageFormat: '{instance} › {msg}',
      sync: true,
    });
    return pino(config, stream);
  }
  return pino(config, destination as pino.DestinationStream);
}
