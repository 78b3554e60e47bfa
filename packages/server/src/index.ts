export { type Config, ConfigError, loadConfig } from "./config.js";
export { closeServer } from "./http/app.js";
export { type CreateAppOptions, createApp } from "./http/create-app.js";
export { listen, urlOf } from "./http/listen.js";
export { createLogger, type Logger } from "./http/logger.js";
export type { Principal } from "./http/principal.js";
export { migrate, openStore, type Store } from "./services/index.js";
