/**
 * The one internal logger. Every line starts with a stable prefix so operators
 * can grep for it, and goes to stderr so it never mixes with an app's
 * structured stdout.
 *
 * Defence in depth for the DSN: callers never put it in a message, and every
 * line is still scrubbed of registered secrets (the DSN and its key) and,
 * once the SDK starts, masked as events are before it is written, so an
 * upstream error message that echoes the DSN or a password cannot leak it.
 */
import { types } from 'node:util';
import { describeThrown } from './throwable.js';

export const PREFIX = '[sentry-register]';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export type Sink = (line: string) => void;

const stderrSink: Sink = (line) => {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // A closed stderr must never break the host app.
  }
};

export interface LoggerOptions {
  debug?: boolean;
  sink?: Sink;
  secrets?: () => readonly string[];
  /** Applied to every line after the secrets are removed; none unless given. */
  mask?: (line: string) => string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? stderrSink;
  const secrets = options.secrets ?? (() => []);
  const mask = options.mask ?? unmasked;
  const write = (line: string): void => sink(mask(scrub(line, secrets())));
  return {
    info: (m) => write(`${PREFIX} ${m}`),
    warn: (m) => write(`${PREFIX} warning: ${m}`),
    error: (m) => write(`${PREFIX} error: ${m}`),
    debug: (m) => {
      if (options.debug) write(`${PREFIX} debug: ${m}`);
    },
  };
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

const unmasked = (line: string): string => line;
const registeredSecrets: string[] = [];
let lineMask = unmasked;
const processOptions = { secrets: () => registeredSecrets, mask: (line: string) => lineMask(line) };
let current: Logger = createLogger(processOptions);

/** The process-wide logger used by the preload. */
export const log: Logger = {
  info: (m) => current.info(m),
  warn: (m) => current.warn(m),
  error: (m) => current.error(m),
  debug: (m) => current.debug(m),
};

export function setDebugLogging(on: boolean): void {
  current = createLogger({ ...processOptions, debug: on });
}

/**
 * Masks every line as events are masked (an upstream error in a line: a
 * connection URL with its password, an address). Set when the SDK starts:
 * without a DSN the preload prints fixed lines and loads no masking.
 */
export function setLineMask(mask: (line: string) => string): void {
  lineMask = mask;
}

/** Registers a value that must never appear in any line we print. */
export function registerSecret(secret: string): void {
  registeredSecrets.push(secret);
}

/** A short description of a thrown value, for one log line. */
export function describeError(err: unknown): string {
  // No getter of the thrown value may throw here: this line is often the last thing we do.
  const { name, message } = describeThrown(err);
  return types.isNativeError(err) ? `${name}: ${message}` : message;
}
