import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logging/logger';

/** A logger whose output a test reads back: raw text and each line parsed as JSON. */
export interface CapturedLogs {
  logger: Logger;
  text(): string;
  /** Every line, parsed (throws if one is not JSON: a multi-line stack, a pretty line). */
  lines(): Record<string, unknown>[];
}

export function captureLogs(level = 'debug', instance = 'under-test'): CapturedLogs {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger({ level, name: 'node', instance, format: 'json', destination });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
