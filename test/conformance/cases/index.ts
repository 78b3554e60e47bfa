import { CLIENT_ERRORS } from "./client-errors.js";
import type { ConformanceCase } from "./context.js";
import { CREDENTIAL_CASES } from "./credentials.js";
import { EVERY_OPERATION } from "./every-operation.js";
import { STREAM_CASES } from "./streams.js";
import { SUCCESSES } from "./successes.js";

export type { ConformanceCase, ConformanceContext } from "./context.js";
export { NOT_PROVOKED } from "./not-provoked.js";
export { sampleEvent } from "./samples.js";

export const CASES: ConformanceCase[] = [
  ...SUCCESSES,
  ...CLIENT_ERRORS,
  ...EVERY_OPERATION,
  ...STREAM_CASES,
  ...CREDENTIAL_CASES,
];
