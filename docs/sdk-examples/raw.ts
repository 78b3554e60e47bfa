import { chronicle } from "./client.js";

// The typed openapi-fetch client: same key, version header and retries; it never throws
// on an HTTP error and hands you the Response.
const { data, error, response } = await chronicle.raw.GET("/v1/events", {
  params: { query: { action: ["issue.created"], limit: 10 } },
});
if (error) console.error(response.status, error.code, error.request_id);
else console.log(data.data.length, response.headers.get("ratelimit-remaining"));
