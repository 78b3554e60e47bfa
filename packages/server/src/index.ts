export { type Config, ConfigError, loadConfig } from "./config.js";
export { type CreateAppOptions, createApp } from "./http/app.js";
export { closeServer, listen, urlOf } from "./http/listen.js";
export type { Principal } from "./http/middleware/principal.js";
export { migrate, openStore, type Store } from "./store/index.js";
export { createLogger, type Logger } from "./telemetry/logger.js";
