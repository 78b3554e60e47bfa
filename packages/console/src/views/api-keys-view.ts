import type { ApiKey, ApiKeyCreated, Chronicle } from "@chronicle/sdk";
import { html, LitElement, nothing, type PropertyValues } from "lit";
import { theme } from "../components/theme.js";
import { formatTime } from "../core/format.js";
import { errorText, pageStyles } from "./page-styles.js";

const SCOPES = ["activity:read", "activity:write", "activity:export", "admin"] as const;

/** Admin: the project's API keys; create one (its secret shown once) or revoke one. */
export class ApiKeysView extends LitElement {
  static override properties = {
    client: { attribute: false },
    _keys: { state: true },
    _created: { state: true },
    _error: { state: true },
  };
  declare client: Chronicle | null;
  declare _keys: ApiKey[] | null;
  declare _created: ApiKeyCreated | null;
  declare _error: string;

  static override styles = [theme, pageStyles];

  constructor() {
    super();
    this.client = null;
    this._keys = null;
    this._created = null;
    this._error = "";
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client")) void this.#load();
  }

  async #load(): Promise<void> {
    if (!this.client) return;
    try {
      this._keys = await this.client.apiKeys.list().toArray({ max: 10_000 });
    } catch (error) {
      this._error = errorText(error);
    }
  }

  #create = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!this.client) return;
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const scopes = data.getAll("scope").map(String) as (typeof SCOPES)[number][];
    try {
      this._created = await this.client.apiKeys.create({ name: String(data.get("name")), scopes });
      this._error = "";
      form.reset();
      await this.#load();
    } catch (error) {
      this._error = errorText(error);
    }
  };

  async #revoke(key: ApiKey): Promise<void> {
    if (!this.client || !confirm(`Revoke the key “${key.name}”? Clients using it stop working.`)) {
      return;
    }
    try {
      await this.client.apiKeys.revoke(key.id);
      await this.#load();
    } catch (error) {
      this._error = errorText(error);
    }
  }

  override render() {
    return html`<h2>API keys</h2>
      <form @submit=${this.#create} aria-label="Create an API key">
        <label>Name <input name="name" required maxlength="200" autocomplete="off" /></label>
        <fieldset>
          <legend>Scopes</legend>
          ${SCOPES.map(
            (scope) => html`<label
              ><input type="checkbox" name="scope" value=${scope} ?checked=${scope === "activity:read"} />
              ${scope}</label
            >`,
          )}
        </fieldset>
        <button type="submit" class="primary">Create key</button>
      </form>
      ${
        this._created
          ? html`<div class="notice" role="status">
              <p>Key <strong>${this._created.name}</strong> created. Copy it now: it is not shown again.</p>
              <pre data-testid="new-key">${this._created.key}</pre>
            </div>`
          : nothing
      }
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      ${
        this._keys === null
          ? html`<p role="status">Loading…</p>`
          : html`<table>
              <caption class="visually-hidden">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                ${this._keys.map(
                  (key) => html`<tr data-key=${key.id}>
                    <td>${key.name}</td>
                    <td><code>${key.prefix}</code></td>
                    <td>${key.scopes.join(", ")}</td>
                    <td>${formatTime(key.created_at)}</td>
                    <td>${formatTime(key.last_used_at)}</td>
                    <td>
                      ${
                        key.revoked_at
                          ? html`Revoked ${formatTime(key.revoked_at)}`
                          : html`<button type="button" @click=${() => this.#revoke(key)} aria-label=${`Revoke ${key.name}`}>
                              Revoke
                            </button>`
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }`;
  }
}

customElements.get("chronicle-api-keys-view") ??
  customElements.define("chronicle-api-keys-view", ApiKeysView);
