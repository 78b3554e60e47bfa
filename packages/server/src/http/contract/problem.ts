/** RFC 9457 problem details as Chronicle sends them (docs/design.md, "Errors"). */
import type { Problem } from "@chronicle/types";
import { type FieldError, PROBLEMS, type ProblemCode } from "../../domain/errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The body of every error answer. */
export function problemBody(
  code: ProblemCode,
  requestId: string,
  detail?: string,
  errors?: FieldError[],
): Problem {
  const body: Problem = {
    type: `https://chronicle.dev/problems/${code}`,
    title: PROBLEMS[code].title,
    status: PROBLEMS[code].status,
    code,
    request_id: requestId,
  };
  if (detail !== undefined) body.detail = detail;
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return body;
}
