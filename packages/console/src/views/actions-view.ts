import type { Action, Chronicle } from "@chronicle/sdk";
import { html, nothing } from "lit";
import { errorAlert } from "../components/error-alert.js";
import { formatTime } from "../core/format.js";
import { ListPage } from "./console-page.js";

const COLUMNS = ["Action", "Events", "First seen", "Last seen", "Description and schema"];

/** The action catalog: every action used or defined, with counts, first/last seen, schema. */
export class ActionsView extends ListPage<Action> {
  protected override list(client: Chronicle) {
    return client.actions.list();
  }

  override render() {
    return html`<h2>Action catalog</h2>
      ${errorAlert(this._error)}
      ${this.table(
        "Actions",
        COLUMNS,
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
      )}`;
  }
}

customElements.get("chronicle-actions-view") ??
  customElements.define("chronicle-actions-view", ActionsView);
