export { type Config, ConfigError, loadConfig } from "./config.js";
export { closeServer } from "./http/app.js";
export { type CreateAppOptions, createApp } from "./http/create-app.js";
export { listen, urlOf } from "./http/listen.js";
export type { Principal } from "./http/middleware/principal.js";
export { migrate, openStore, type Store } from "./store/index.js";
export { createLogger, type Logger } from "./telemetry/logger.js";
