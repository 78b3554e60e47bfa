import { errorFromResponse } from "./errors.js";

interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

type Success<R extends Outcome> = Extract<R, { error?: never }>["data"];

/** The data of an openapi-fetch result, or the matching `ChronicleError` for an error answer. */
export async function unwrap<R extends Outcome>(pending: Promise<R>): Promise<Success<R>> {
  const { data, error, response } = await pending;
  if (!response.ok) throw errorFromResponse(response.status, error, response.headers);
  return data as Success<R>;
}
