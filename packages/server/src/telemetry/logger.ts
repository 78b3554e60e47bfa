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
const SECRET_FIELDS = [
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
];
export const REDACTED_PATHS = SECRET_FIELDS.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]);

const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  isLevelEnabled: () => false,
};

/** A pino logger behind the server's `Logger` interface. */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  if (level === "silent") return SILENT;
  const format = options.format ?? (process.stdout.isTTY ? "pretty" : "json");
  const destination =
    format === "pretty"
      ? pretty({
          colorize: Boolean(process.stdout.isTTY),
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname",
          destination: options.destination ?? 1,
          sync: true,
        })
      : (options.destination ?? pino.destination({ dest: 1, sync: false }));
  const logger = pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination as DestinationStream,
  );
  return wrap(logger);
}

function wrap(logger: PinoLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    isLevelEnabled: (level) => logger.isLevelEnabled(level),
  };
}
