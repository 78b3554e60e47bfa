import type { Action, Chronicle } from "@chronicle/sdk";
import { html, LitElement, nothing, type PropertyValues } from "lit";
import { theme } from "../components/theme.js";
import { formatTime } from "../core/format.js";
import { errorText, pageStyles } from "./page-styles.js";

/** The action catalog: every action used or defined, with counts, first/last seen, schema. */
export class ActionsView extends LitElement {
  static override properties = {
    client: { attribute: false },
    _actions: { state: true },
    _error: { state: true },
  };
  declare client: Chronicle | null;
  declare _actions: Action[] | null;
  declare _error: string;

  static override styles = [theme, pageStyles];

  constructor() {
    super();
    this.client = null;
    this._actions = null;
    this._error = "";
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client")) void this.#load();
  }

  async #load(): Promise<void> {
    if (!this.client) return;
    try {
      this._actions = await this.client.actions.list().toArray({ max: 10_000 });
    } catch (error) {
      this._error = errorText(error);
    }
  }

  override render() {
    return html`<h2>Action catalog</h2>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      ${
        this._actions === null
          ? html`<p role="status">Loading…</p>`
          : html`<table>
              <caption class="visually-hidden">Actions</caption>
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col">Events</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Description and schema</th>
                </tr>
              </thead>
              <tbody>
                ${this._actions.map(
                  (action) => html`<tr>
                    <td><a href=${`./?action=${encodeURIComponent(action.action)}`}><code>${action.action}</code></a></td>
                    <td>${action.count.toLocaleString()}</td>
                    <td>${formatTime(action.first_seen_at)}</td>
                    <td>${formatTime(action.last_seen_at)}</td>
                    <td>
                      ${action.description ?? html`<span class="muted">${action.defined ? "" : "not defined"}</span>`}
                      ${
                        action.metadata_schema
                          ? html`<details>
                              <summary>Metadata schema</summary>
                              <pre>${JSON.stringify(action.metadata_schema, null, 2)}</pre>
                            </details>`
                          : nothing
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }`;
  }
}

customElements.get("chronicle-actions-view") ??
  customElements.define("chronicle-actions-view", ActionsView);
