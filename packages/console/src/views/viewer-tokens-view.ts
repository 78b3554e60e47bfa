import type { Chronicle, ViewerToken } from "@chronicle/sdk";
import { html, LitElement, nothing } from "lit";
import { theme } from "../components/theme.js";
import { formatTime } from "../core/format.js";
import { errorText, pageStyles } from "./page-styles.js";

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
export class ViewerTokensView extends LitElement {
  static override properties = {
    client: { attribute: false },
    origin: { type: String },
    _token: { state: true },
    _error: { state: true },
  };
  declare client: Chronicle | null;
  declare origin: string;
  declare _token: ViewerToken | null;
  declare _error: string;

  static override styles = [theme, pageStyles];

  constructor() {
    super();
    this.client = null;
    this.origin = location.origin;
    this._token = null;
    this._error = "";
  }

  #create = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!this.client) return;
    const data = new FormData(event.target as HTMLFormElement);
    try {
      this._token = await this.client.viewerTokens.create({
        workspace_id: String(data.get("workspace_id")),
        ttl_seconds: Number(data.get("ttl_seconds")),
        scopes: data.get("export") ? ["activity:read", "activity:export"] : ["activity:read"],
      });
      this._error = "";
    } catch (error) {
      this._error = errorText(error);
    }
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
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
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
