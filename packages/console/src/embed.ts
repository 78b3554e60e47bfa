import type { Chronicle } from "@chronicle/sdk";
import { css, html, LitElement, type PropertyValues } from "lit";
import "./components/activity-view.js";
import { theme } from "./components/theme.js";
import { emptyFilters, type FeedFilters } from "./core/filters.js";
import { createClient } from "./core/session.js";

/** The server that served this bundle (`…/console/embed/chronicle-activity.js`). */
function servingOrigin(): string {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return location.origin;
  }
}

/**
 * `<chronicle-activity token="chv_…" base-url="https://audit.example.com">`: one
 * workspace's activity feed for a SaaS's own settings page. The token is a viewer token the
 * host's backend made (`POST /v1/viewer-tokens`); set `token` again to refresh it. Everything
 * renders in a Shadow DOM, so no style leaks in or out; theme it with the `--chronicle-*`
 * custom properties. `base-url` defaults to the server the script came from.
 */
export class ChronicleActivity extends LitElement {
  static override properties = {
    token: { type: String },
    baseUrl: { type: String, attribute: "base-url" },
    noExport: { type: Boolean, attribute: "no-export" },
    heading: { type: String },
    verifierKeys: { type: String, attribute: "verifier-keys" },
    verifierOrigin: { type: String, attribute: "verifier-origin" },
    _client: { state: true },
    _filters: { state: true },
  };

  declare token: string;
  declare baseUrl: string;
  declare noExport: boolean;
  declare heading: string;
  /** Space-separated Ed25519 verifier keys to check signed checkpoints with (pinned). */
  declare verifierKeys: string;
  /** The log's origin line (`GET /v1/integrity/checkpoint`'s `origin`), pinned. */
  declare verifierOrigin: string;
  declare _client: Chronicle | null;
  declare _filters: FeedFilters;

  constructor() {
    super();
    this.token = "";
    this.baseUrl = "";
    this.noExport = false;
    this.heading = "Activity";
    this.verifierKeys = "";
    this.verifierOrigin = "";
    this._client = null;
    this._filters = emptyFilters();
  }

  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: var(--chronicle-height, 560px);
        box-sizing: border-box;
        padding: var(--chronicle-padding, 12px);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
      }
      h2 {
        margin: 0 0 8px;
        font-size: 1.15em;
      }
      chronicle-activity-view {
        flex: 1;
        min-height: 0;
      }
      p {
        color: var(--_muted);
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("token") || changed.has("baseUrl")) {
      this._client = this.token ? createClient(this.token, this.baseUrl || servingOrigin()) : null;
    }
  }

  override render() {
    return html`<h2>${this.heading}</h2>
      ${
        this._client
          ? html`<chronicle-activity-view
              .client=${this._client}
              .filters=${this._filters}
              .pinnedWorkspace=${true}
              .canExport=${!this.noExport}
              .verifierKeys=${this.verifierKeys.split(/\s+/).filter(Boolean)}
              .verifierOrigin=${this.verifierOrigin.trim()}
              @filters-change=${(e: CustomEvent<FeedFilters>) => {
                this._filters = e.detail;
              }}
            ></chronicle-activity-view>`
          : html`<p>No viewer token.</p>`
      }`;
  }
}

customElements.get("chronicle-activity") ??
  customElements.define("chronicle-activity", ChronicleActivity);

declare global {
  interface HTMLElementTagNameMap {
    "chronicle-activity": ChronicleActivity;
  }
}
