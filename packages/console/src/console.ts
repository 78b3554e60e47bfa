import type { Chronicle } from "@chronicle/sdk";
import { css, html, LitElement, nothing } from "lit";
import "./components/activity-view.js";
import { errorAlert } from "./components/error-alert.js";
import { theme } from "./components/theme.js";
import { type FeedFilters, filtersFromSearch, filtersToSearch } from "./core/filters.js";
import { errorText } from "./core/format.js";
import {
  assumedCapabilities,
  type Capabilities,
  type Credential,
  createClient,
  forgetCredential,
  loadCredential,
  probeCapabilities,
  saveCredential,
  takeTokenFromFragment,
} from "./core/session.js";
import "./views/actions-view.js";
import "./views/api-keys-view.js";
import { pageStyles } from "./views/page-styles.js";
import "./views/viewer-tokens-view.js";

const BASE = "/console/";

type Page = "activity" | "actions" | "api-keys" | "viewer-tokens";

const PAGES: { page: Page; label: string; needs: "any" | "project" | "admin" }[] = [
  { page: "activity", label: "Activity", needs: "any" },
  { page: "actions", label: "Actions", needs: "project" },
  { page: "api-keys", label: "API keys", needs: "admin" },
  { page: "viewer-tokens", label: "Viewer tokens", needs: "admin" },
];

function pageOf(pathname: string): Page {
  const name = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/\/$/, "") : "";
  return PAGES.find((p) => p.page === name)?.page ?? "activity";
}

function allowed(needs: "any" | "project" | "admin", caps: Capabilities): boolean {
  return needs === "any" || (needs === "project" ? caps.projectRead : caps.admin);
}

/**
 * The console: signs in with an API key (or opens a viewer-token link), then shows the
 * pages the credential may use. The page is the path (`/console/actions`), the feed's
 * filters are the query string, so any view can be shared as a link.
 */
export class ChronicleConsole extends LitElement {
  static override properties = {
    _credential: { state: true },
    _client: { state: true },
    _caps: { state: true },
    _page: { state: true },
    _filters: { state: true },
    _error: { state: true },
  };
  declare _credential: Credential | null;
  declare _client: Chronicle | null;
  declare _caps: Capabilities | null;
  declare _page: Page;
  declare _filters: FeedFilters;
  declare _error: string;

  constructor() {
    super();
    const linked = takeTokenFromFragment(location, history);
    this._credential = linked ? saveCredential(linked) : loadCredential();
    this._client = null;
    this._caps = null;
    this._page = pageOf(location.pathname);
    this._filters = filtersFromSearch(location.search);
    this._error = "";
    // A credential already in the tab shows the feed at once; the probe runs alongside.
    if (this._credential) void this.#signIn(this._credential, true);
  }

  static override styles = [
    theme,
    pageStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        box-sizing: border-box;
      }
      header {
        display: flex;
        align-items: center;
        gap: 20px;
        padding: 10px 20px;
        border-bottom: 1px solid var(--_border);
        background: var(--_surface);
      }
      header h1 {
        font-size: 1.15em;
        margin: 0;
      }
      nav ul {
        display: flex;
        gap: 4px;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        color: var(--_fg);
        text-decoration: none;
        padding: 6px 10px;
        border-radius: var(--_radius);
      }
      nav a[aria-current="page"] {
        background: var(--_accent);
        color: var(--_accent-fg);
      }
      .who {
        margin-left: auto;
        display: flex;
        gap: 10px;
        align-items: center;
        color: var(--_muted);
      }
      main {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
        padding: 16px 20px;
        overflow: auto;
      }
      chronicle-activity-view {
        flex: 1;
        min-height: 0;
      }
      .sign-in {
        max-width: 28em;
        margin: 10vh auto;
        display: flex;
        flex-direction: column;
        gap: 12px;
        align-items: stretch;
      }
      .sign-in input {
        width: 100%;
        box-sizing: border-box;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("popstate", this.#onPopState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("popstate", this.#onPopState);
  }

  #onPopState = () => {
    this._page = pageOf(location.pathname);
    this._filters = filtersFromSearch(location.search);
  };

  async #signIn(credential: Credential, optimistic = false): Promise<void> {
    const client = createClient(credential.token, location.origin);
    if (optimistic) {
      this._credential = credential;
      this._client = client;
      this._caps = assumedCapabilities(credential);
    }
    try {
      this._caps = await probeCapabilities(client, credential);
      this._credential = credential;
      this._client = client;
      this._error = "";
    } catch (error) {
      forgetCredential();
      this._credential = null;
      this._client = null;
      this._caps = null;
      this._error = `Sign-in failed: ${errorText(error)}`;
    }
  }

  #onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const token = String(new FormData(event.target as HTMLFormElement).get("token") ?? "").trim();
    if (token) void this.#signIn(saveCredential(token));
  };

  #signOut = () => {
    forgetCredential();
    this._credential = null;
    this._client = null;
    this._caps = null;
    this.#go("activity", "");
  };

  #go(page: Page, search: string): void {
    const path = page === "activity" ? BASE : `${BASE}${page}`;
    history.pushState(null, "", `${path}${search}`);
    this._page = page;
  }

  #navigate = (event: MouseEvent, page: Page) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    this.#go(page, page === "activity" ? filtersToSearch(this._filters) : "");
  };

  #onFilters = (event: CustomEvent<FeedFilters>) => {
    this._filters = event.detail;
    history.replaceState(null, "", `${BASE}${filtersToSearch(event.detail)}`);
  };

  override render() {
    if (!this._client || !this._caps || !this._credential) return this.#renderSignIn();
    const caps = this._caps;
    const viewer = this._credential.kind === "viewer_token";
    const page = PAGES.find((p) => p.page === this._page) ?? PAGES[0];
    return html`<header>
        <h1>Chronicle</h1>
        <nav aria-label="Console">
          <ul>
            ${PAGES.filter((p) => allowed(p.needs, caps)).map(
              (p) => html`<li>
                <a
                  href=${p.page === "activity" ? BASE : `${BASE}${p.page}`}
                  aria-current=${p.page === this._page ? "page" : nothing}
                  @click=${(e: MouseEvent) => this.#navigate(e, p.page)}
                  >${p.label}</a
                >
              </li>`,
            )}
          </ul>
        </nav>
        <div class="who">
          <span>${viewer ? "Viewer token" : caps.admin ? "Admin key" : "API key"}</span>
          <button type="button" @click=${this.#signOut}>Sign out</button>
        </div>
      </header>
      <main>${page && allowed(page.needs, caps) ? this.#renderPage(page.page) : this.#renderDenied()}</main>`;
  }

  #renderPage(page: Page) {
    switch (page) {
      case "activity":
        return html`<chronicle-activity-view
          .client=${this._client}
          .filters=${this._filters}
          .pinnedWorkspace=${this._credential?.kind === "viewer_token"}
          .serverIntegrity=${this._caps?.projectRead ?? false}
          .canExport=${true}
          @filters-change=${this.#onFilters}
        ></chronicle-activity-view>`;
      case "actions":
        return html`<chronicle-actions-view .client=${this._client}></chronicle-actions-view>`;
      case "api-keys":
        return html`<chronicle-api-keys-view .client=${this._client}></chronicle-api-keys-view>`;
      case "viewer-tokens":
        return html`<chronicle-viewer-tokens-view
          .client=${this._client}
          origin=${location.origin}
        ></chronicle-viewer-tokens-view>`;
    }
  }

  #renderDenied() {
    return html`<h2>Not available</h2>
      <p role="alert">This page needs an admin API key; you are signed in with a credential that cannot open it.</p>`;
  }

  #renderSignIn() {
    return html`<main>
      <form class="sign-in" @submit=${this.#onSubmit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Chronicle</h1>
        <label
          >API key or viewer token
          <input name="token" type="password" required autocomplete="off" placeholder="chr_… or chv_…"
        /></label>
        <p class="muted">Kept in this tab only (session storage); closing the tab signs you out.</p>
        <button type="submit" class="primary">Sign in</button>
        ${errorAlert(this._error)}
      </form>
    </main>`;
  }
}

customElements.get("chronicle-console") ??
  customElements.define("chronicle-console", ChronicleConsole);
