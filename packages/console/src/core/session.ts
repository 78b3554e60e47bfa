import { Chronicle } from "@chronicle/sdk";

/** Who is signed in: an API key (any scopes) or a viewer token pinned to one workspace. */
export interface Credential {
  token: string;
  kind: "api_key" | "viewer_token";
}

const STORAGE_KEY = "chronicle.console.credential";

export function credentialKind(token: string): Credential["kind"] {
  return token.startsWith("chv_") ? "viewer_token" : "api_key";
}

/** The credential of this tab: sessionStorage only, so it never outlives the tab. */
export function loadCredential(storage: Storage = sessionStorage): Credential | null {
  const token = storage.getItem(STORAGE_KEY);
  return token ? { token, kind: credentialKind(token) } : null;
}

export function saveCredential(token: string, storage: Storage = sessionStorage): Credential {
  storage.setItem(STORAGE_KEY, token);
  return { token, kind: credentialKind(token) };
}

export function forgetCredential(storage: Storage = sessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}

/**
 * A viewer-token link carries the token in the fragment (`/console/#token=chv_…`), which
 * browsers never send to a server, so it stays out of access logs. Returns the token and
 * removes it from the address bar.
 */
export function takeTokenFromFragment(location: Location, history: History): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (!token) return null;
  history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  return token;
}

export function createClient(token: string, baseUrl: string): Chronicle {
  // A browser tab shows errors at once; one retry keeps it responsive under a flaky network.
  return new Chronicle({ apiKey: token, baseUrl, maxRetries: 1, timeoutMs: 30_000 });
}

export interface Capabilities {
  /** The credential works at all. */
  valid: boolean;
  admin: boolean;
  /** Can call `GET /v1/integrity` and `GET /v1/actions` (a project-wide read key). */
  projectRead: boolean;
}

/** What the credential may do, asked of the server (a viewer token skips the probes). */
export async function probeCapabilities(client: Chronicle, credential: Credential) {
  if (credential.kind === "viewer_token") {
    await client.events.list({ limit: 1 });
    return { valid: true, admin: false, projectRead: false } satisfies Capabilities;
  }
  const [, admin] = await Promise.all([
    client.project.get(),
    client.apiKeys.list().then(
      () => true,
      () => false,
    ),
  ]);
  return { valid: true, admin, projectRead: true } satisfies Capabilities;
}

/** What a credential is assumed to allow until the probe answers (admin pages stay hidden). */
export function assumedCapabilities(credential: Credential): Capabilities {
  return { valid: true, admin: false, projectRead: credential.kind === "api_key" };
}
