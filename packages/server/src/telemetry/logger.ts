import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "../config.js";

/** What the server logs through: a message and structured fields, at four levels. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** False when lines at `level` are dropped, so a caller may skip building them. */
  isLevelEnabled?(level: "debug" | "info" | "warn" | "error"): boolean;
}

export interface LoggerOptions {
  /** `pretty` for a terminal, `json` (one object per line) for collectors. */
  format?: "json" | "pretty";
  /** Where lines go; default stdout for `pretty`/`json` alike. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

/**
 * Field names whose values never reach a log line, at the top level or one or two objects
 * down (`headers.authorization`, `destination.config.token`).
 */
const SECRET_FIELDS = new Set([
  "authorization",
  "api_key",
  "apiKey",
  "key",
  "token",
  "secret",
  "password",
  "credentials",
  "database_url",
  "databaseUrl",
  "cookie",
]);
const CENSOR = "[redacted]";
/** Levels of objects below the line's own fields that are searched for secret fields. */
const REDACT_DEPTH = 2;

/**
 * `fields` with the value of every secret field replaced by `[redacted]`, copying only the
 * objects on the way to one (the caller's objects are never changed). Hand-written rather
 * than pino's `redact` option: with a path per name and level (`key`, `*.key`, `*.*.key`) that
 * walked 33 paths per line and was ~2 % of a logged request's CPU; this is one set lookup
 * per field.
 */
export function redactSecrets<T>(fields: T, depth = REDACT_DEPTH): T {
  if (typeof fields !== "object" || fields === null) return fields;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = fields as Record<string, unknown>;
  for (const name in source) {
    const value = source[name];
    let clean = value;
    if (SECRET_FIELDS.has(name) && !Array.isArray(fields)) clean = CENSOR;
    else if (depth > 0 && isPlain(value)) clean = redactSecrets(value, depth - 1);
    if (clean !== value) {
      copy ??= Array.isArray(fields) ? [...fields] : { ...source };
      (copy as Record<string, unknown>)[name] = clean;
    }
  }
  return (copy ?? fields) as T;
}

/** Objects and arrays a secret may sit in; an Error or a Date is logged as it is. */
function isPlain(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/**
 * Log lines are written in blocks of at least this many bytes (or after `FLUSH_MS`), not a
 * write per line: an asynchronous write per line handed each request line to the threadpool
 * and back, ~5 % of a logged request's CPU, and 4 KiB blocks (about ten request lines) still
 * left sonic-boom's write to the pipe at ~4.7 % of a busy server's CPU (bench/FINDINGS.md
 * B20, B22). Lines still buffered are written when the process exits (pino flushes its
 * destination synchronously on exit, SIGTERM's clean stop and a crash included); a `kill -9`
 * can lose the last `FLUSH_MS`.
 */
const BUFFER_BYTES = 32 * 1024;
/** A single write's limit; sonic-boom requires it above `BUFFER_BYTES`. */
const MAX_WRITE_BYTES = 2 * BUFFER_BYTES;
const FLUSH_MS = 100;

const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  isLevelEnabled: () => false,
};

/**
 * Stdout in blocks (`BUFFER_BYTES`), flushed every `FLUSH_MS` after a line was logged. Not
 * sonic-boom's `periodicFlush`: that writes even when nothing is buffered, an empty write
 * through the threadpool ten times a second on an idle server.
 */
function bufferedStdout(): { stream: DestinationStream; lineWritten: () => void } {
  const stream = pino.destination({
    dest: 1,
    sync: false,
    minLength: BUFFER_BYTES,
    maxWrite: MAX_WRITE_BYTES,
  });
  // Two ticks per line: a flush that finds a write in flight does nothing, the next one
  // writes what was left behind it.
  let ticksToFlush = 0;
  const timer = setInterval(() => {
    if (ticksToFlush === 0) return;
    ticksToFlush -= 1;
    try {
      stream.flush();
    } catch {
      // Destroyed (stdout closed): nothing more can be written.
      clearInterval(timer);
    }
  }, FLUSH_MS);
  timer.unref();
  stream.on("close", () => clearInterval(timer));
  return {
    stream,
    lineWritten: () => {
      ticksToFlush = 2;
    },
  };
}

/** A pino logger behind the server's `Logger` interface. */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  if (level === "silent") return SILENT;
  const format = options.format ?? (process.stdout.isTTY ? "pretty" : "json");
  const buffered = format === "json" && !options.destination ? bufferedStdout() : undefined;
  const destination =
    format === "pretty"
      ? pretty({
          colorize: Boolean(process.stdout.isTTY),
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname",
          destination: options.destination ?? 1,
          sync: true,
        })
      : (buffered?.stream ?? options.destination);
  const logger = pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactSecrets },
    },
    destination as DestinationStream,
  );
  return wrap(logger, buffered?.lineWritten);
}

function wrap(logger: PinoLogger, lineWritten: () => void = () => undefined): Logger {
  return {
    debug: (message, fields) => {
      logger.debug(fields ?? {}, message);
      lineWritten();
    },
    info: (message, fields) => {
      logger.info(fields ?? {}, message);
      lineWritten();
    },
    warn: (message, fields) => {
      logger.warn(fields ?? {}, message);
      lineWritten();
    },
    error: (message, fields) => {
      logger.error(fields ?? {}, message);
      lineWritten();
    },
    isLevelEnabled: (level) => logger.isLevelEnabled(level),
  };
}
