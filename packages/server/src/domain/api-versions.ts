/** Date-named API versions this server speaks (`Chronicle-Version`); the last one is the default. */
export const SUPPORTED_VERSIONS = ["2026-11-01"] as const;
export const DEFAULT_VERSION = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1] as string;
