/** A setting that cannot be used as given; the CLI prints its message without a stack. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
