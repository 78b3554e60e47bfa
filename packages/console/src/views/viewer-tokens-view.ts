import type { ViewerToken } from "@chronicle/sdk";
import { html, nothing, type PropertyDeclarations } from "lit";
import { errorAlert } from "../components/error-alert.js";
import { formatTime } from "../core/format.js";
import { ConsolePage } from "./console-page.js";

/** The embed snippet a SaaS pastes into its page (with the token its backend fetched). */
export function embedSnippet(origin: string, token: string): string {
  return [
    `<script type="module" src="${origin}/console/embed/chronicle-activity.js"></script>`,
    `<chronicle-activity`,
    `  base-url="${origin}"`,
    `  token="${token}"`,
    `  style="--chronicle-accent: #6d28d9; --chronicle-height: 600px"`,
    `></chronicle-activity>`,
  ].join("\n");
}

/** Admin: makes a viewer token for one workspace, a console link and an embed snippet. */
export class ViewerTokensView extends ConsolePage {
  static override properties: PropertyDeclarations = {
    origin: { type: String },
    _token: { state: true },
  };
  declare origin: string;
  declare _token: ViewerToken | null;

  constructor() {
    super();
    this.origin = location.origin;
    this._token = null;
  }

  #create = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    return this.attempt(async (client) => {
      this._token = await client.viewerTokens.create({
        workspace_id: String(data.get("workspace_id")),
        ttl_seconds: Number(data.get("ttl_seconds")),
        scopes: data.get("export") ? ["activity:read", "activity:export"] : ["activity:read"],
      });
      this._error = "";
    });
  };

  override render() {
    const token = this._token;
    return html`<h2>Viewer tokens</h2>
      <p class="muted">
        A viewer token is read-only and pinned to one workspace. Your backend makes one per page
        view (<code>POST /v1/viewer-tokens</code>) and hands it to the embedded viewer.
      </p>
      <form @submit=${this.#create} aria-label="Make a viewer token">
        <label>Workspace id <input name="workspace_id" required maxlength="128" autocomplete="off" /></label>
        <label
          >Lifetime (seconds)
          <input name="ttl_seconds" type="number" min="60" max="86400" value="3600" required
        /></label>
        <fieldset>
          <legend>Access</legend>
          <label><input type="checkbox" name="export" value="1" checked /> allow export</label>
        </fieldset>
        <button type="submit" class="primary">Make token</button>
      </form>
      ${errorAlert(this._error)}
      ${
        token
          ? html`<div class="notice" role="status">
              <p>
                Token for workspace <code>${token.workspace_id}</code> (${token.scopes.join(", ")}),
                valid until ${formatTime(token.expires_at)}.
              </p>
              <p>
                Console link:
                <a data-testid="viewer-link" target="_blank" rel="noopener" href=${`${this.origin}/console/#token=${token.token}`}
                  >open the console as this viewer</a
                >
              </p>
              <h3>Embed snippet</h3>
              <pre data-testid="embed-snippet">${embedSnippet(this.origin, token.token)}</pre>
            </div>`
          : nothing
      }`;
  }
}

customElements.get("chronicle-viewer-tokens-view") ??
  customElements.define("chronicle-viewer-tokens-view", ViewerTokensView);
