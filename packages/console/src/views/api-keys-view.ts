import type { ApiKey, ApiKeyCreated, Chronicle } from "@chronicle/sdk";
import { SCOPES } from "@chronicle/types";
import { html, nothing, type PropertyDeclarations } from "lit";
import { errorAlert } from "../components/error-alert.js";
import { formatTime } from "../core/format.js";
import { ListPage } from "./console-page.js";

const COLUMNS = ["Name", "Prefix", "Scopes", "Created", "Last used", "Status"];

/** Admin: the project's API keys; create one (its secret shown once) or revoke one. */
export class ApiKeysView extends ListPage<ApiKey> {
  static override properties: PropertyDeclarations = { _created: { state: true } };
  declare _created: ApiKeyCreated | null;

  constructor() {
    super();
    this._created = null;
  }

  protected override list(client: Chronicle) {
    return client.apiKeys.list();
  }

  #create = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const scopes = data.getAll("scope").map(String) as (typeof SCOPES)[number][];
    return this.attempt(async (client) => {
      this._created = await client.apiKeys.create({ name: String(data.get("name")), scopes });
      this._error = "";
      form.reset();
      await this.reload();
    });
  };

  #revoke(key: ApiKey): Promise<void> {
    if (!this.client || !confirm(`Revoke the key “${key.name}”? Clients using it stop working.`)) {
      return Promise.resolve();
    }
    return this.attempt(async (client) => {
      await client.apiKeys.revoke(key.id);
      await this.reload();
    });
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
      ${errorAlert(this._error)}
      ${this.table(
        "API keys",
        COLUMNS,
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
      )}`;
  }
}

customElements.get("chronicle-api-keys-view") ??
  customElements.define("chronicle-api-keys-view", ApiKeysView);
