import type { Event } from "@chronicle/sdk";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { diffRows, formatTime } from "../core/format.js";
import { theme } from "./theme.js";

type Party = { type: string; id: string; name?: string | null; email?: string | null };

function party(value: Party | null | undefined) {
  if (!value) return html`<span class="muted">—</span>`;
  return html`<span class="party"
    ><span class="tag">${value.type}</span> <code>${value.id}</code>
    ${value.name ? html` · ${value.name}` : nothing}${value.email ? html` · ${value.email}` : nothing}</span
  >`;
}

function json(value: unknown) {
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

/**
 * One event in full, as a modal side drawer (a native `<dialog>`: it traps focus, closes on
 * Escape and makes the page behind inert). Fires `close` when it closes.
 */
export class EventDrawer extends LitElement {
  static override properties = { event: { attribute: false } };
  declare event: Event | null;

  constructor() {
    super();
    this.event = null;
  }

  static override styles = [
    theme,
    css`
      dialog {
        margin: 0 0 0 auto;
        height: 100%;
        max-height: 100%;
        width: min(640px, 100%);
        box-sizing: border-box;
        border: 0;
        border-left: 1px solid var(--_border);
        padding: 0;
        background: var(--_bg);
        color: var(--_fg);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.25);
      }
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
        padding: 12px 16px;
        border-bottom: 1px solid var(--_border);
        position: sticky;
        top: 0;
        background: var(--_bg);
      }
      h2 {
        font-size: 1.1em;
        margin: 0;
        font-family: var(--_mono);
      }
      h3 {
        font-size: 0.95em;
        margin: 18px 0 6px;
      }
      .body {
        padding: 4px 16px 24px;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 14px;
        margin: 0;
      }
      dt {
        color: var(--_muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .tag {
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: 0 5px;
      }
      .muted {
        color: var(--_muted);
      }
      pre {
        margin: 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        background: var(--_surface);
        padding: 8px;
        border-radius: var(--_radius);
      }
      table {
        width: 100%;
        border-collapse: collapse;
        table-layout: fixed;
      }
      th,
      td {
        text-align: left;
        vertical-align: top;
        border-bottom: 1px solid var(--_border);
        padding: 4px 6px;
      }
      td pre {
        padding: 4px;
        background: none;
      }
      td.removed,
      td.changed-before {
        background: var(--_removed);
      }
      td.added,
      td.changed-after {
        background: var(--_added);
      }
      th[scope="row"] {
        font-family: var(--_mono);
        font-weight: normal;
      }
    `,
  ];

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has("event")) return;
    const dialog = this.renderRoot.querySelector("dialog");
    if (!dialog) return;
    if (this.event && !dialog.open) {
      dialog.showModal();
      this.renderRoot.querySelector<HTMLButtonElement>("button.close")?.focus();
    } else if (!this.event && dialog.open) dialog.close();
  }

  #close = () => {
    this.renderRoot.querySelector("dialog")?.close();
  };

  #onClosed = () => {
    this.event = null;
    this.dispatchEvent(new CustomEvent("close", { bubbles: true, composed: true }));
  };

  override render() {
    const event = this.event;
    return html`<dialog aria-labelledby="drawer-title" @close=${this.#onClosed}>
      ${event ? this.#content(event) : nothing}
    </dialog>`;
  }

  #content(event: Event) {
    const targets = [...(event.target ? [event.target] : []), ...event.targets];
    const diff = diffRows(event.changes);
    return html`<header>
        <h2 id="drawer-title">${event.action}</h2>
        <button class="close" type="button" @click=${this.#close}>Close</button>
      </header>
      <div class="body">
        ${event.summary ? html`<p>${event.summary}</p>` : nothing}
        <dl>
          <dt>Event</dt>
          <dd><code>${event.id}</code> · seq ${event.seq}</dd>
          <dt>Occurred</dt>
          <dd>${formatTime(event.occurred_at)} <span class="muted">(${event.occurred_at})</span></dd>
          <dt>Recorded</dt>
          <dd>${formatTime(event.created_at)}</dd>
          <dt>Workspace</dt>
          <dd>${event.workspace_id ? html`<code>${event.workspace_id}</code>` : "—"}</dd>
        </dl>
        <h3>Actor</h3>
        <dl>
          <dt>Actor</dt>
          <dd>${party(event.actor)}</dd>
          <dt>On behalf of</dt>
          <dd>${party(event.actor.on_behalf_of)}</dd>
        </dl>
        <h3>Targets</h3>
        ${
          targets.length === 0
            ? html`<p class="muted">No targets.</p>`
            : html`<ul>
                ${targets.map((target) => html`<li>${party(target)}</li>`)}
              </ul>`
        }
        <h3>Changes</h3>
        ${
          diff.length === 0
            ? html`<p class="muted">No changes recorded.</p>`
            : html`<table class="diff">
                <caption class="visually-hidden">Changes, before and after</caption>
                <thead>
                  <tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>
                </thead>
                <tbody>
                  ${diff.map(
                    (row) => html`<tr data-kind=${row.kind}>
                      <th scope="row">${row.field}</th>
                      <td class=${row.kind === "changed" ? "changed-before" : row.kind === "removed" ? "removed" : ""}>
                        <pre>${row.before}</pre>
                      </td>
                      <td class=${row.kind === "changed" ? "changed-after" : row.kind === "added" ? "added" : ""}>
                        <pre>${row.after}</pre>
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
        }
        <h3>Context</h3>
        ${event.context ? json(event.context) : html`<p class="muted">No context.</p>`}
        <h3>Metadata</h3>
        ${json(event.metadata)}
        <h3>Integrity</h3>
        <dl>
          <dt>Hash</dt>
          <dd><code>${event.hash}</code></dd>
          <dt>Previous</dt>
          <dd><code>${event.prev_hash ?? "—"}</code></dd>
        </dl>
      </div>`;
  }
}

customElements.get("chronicle-event-drawer") ??
  customElements.define("chronicle-event-drawer", EventDrawer);

declare global {
  interface HTMLElementTagNameMap {
    "chronicle-event-drawer": EventDrawer;
  }
}
