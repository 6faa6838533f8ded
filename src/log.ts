import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Every logger redacts these paths: a key, a token or a credential header must never reach a log,
 * even when a caller passes a whole config or header object by mistake.
 */
const REDACT_PATHS = [
  'key', 'token', 'password', 'secret', 'authorization',
  '*.key', '*.token', '*.password', '*.secret', '*.authorization', '*.cookie',
  'headers.authorization', 'headers.cookie', 'headers["proxy-authorization"]', 'headers["set-cookie"]',
];

export interface LogOptions {
  level?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? process.env['MESHGUARD_LOG_LEVEL'] ?? 'info',
    base: { svc: 'meshguard' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything, for library code used by CLI commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
