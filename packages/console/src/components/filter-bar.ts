import { css, html, LitElement, nothing } from "lit";
import { ACTOR_TYPES, emptyFilters, type FeedFilters } from "../core/filters.js";
import { instantToLocalInput, localInputToInstant } from "../core/format.js";
import { theme } from "./theme.js";

type TextFilter = Exclude<keyof FeedFilters, "order" | "actor_type" | "start_time" | "end_time">;

const TEXT_FILTERS: { key: TextFilter; label: string; placeholder: string }[] = [
  { key: "search", label: "Search", placeholder: "any text" },
  { key: "action", label: "Action", placeholder: "issue.* or issue.created" },
  { key: "actor_id", label: "Actor id", placeholder: "usr_…" },
  { key: "target_type", label: "Target type", placeholder: "issue" },
  { key: "target_id", label: "Target id", placeholder: "ISS-1" },
  { key: "workspace_id", label: "Workspace", placeholder: "ws_…" },
  { key: "changed_field", label: "Changed field", placeholder: "status" },
];

/**
 * Every filter of the events API as labelled inputs. A change is applied when the input
 * commits it (Enter, leaving the field, picking an option) and fires `filters-change`.
 */
export class FilterBar extends LitElement {
  static override properties = {
    filters: { attribute: false },
    pinnedWorkspace: { type: Boolean, attribute: "pinned-workspace" },
  };
  declare filters: FeedFilters;
  declare pinnedWorkspace: boolean;

  constructor() {
    super();
    this.filters = emptyFilters();
    this.pinnedWorkspace = false;
  }

  static override styles = [
    theme,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 12px;
        align-items: end;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        font-size: 0.85em;
        color: var(--_muted);
      }
      input,
      select {
        font-size: 1.1em;
        color: var(--_fg);
      }
      input[type="text"],
      input[type="search"] {
        width: 10em;
      }
    `,
  ];

  #emit(filters: FeedFilters): void {
    this.dispatchEvent(
      new CustomEvent<FeedFilters>("filters-change", {
        detail: filters,
        bubbles: true,
        composed: true,
      }),
    );
  }

  #onChange = (event: globalThis.Event) => {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    const key = input.name as keyof FeedFilters;
    if (!(key in this.filters)) return;
    const value =
      key === "start_time" || key === "end_time" ? localInputToInstant(input.value) : input.value;
    if (this.filters[key] === value) return;
    this.#emit({ ...this.filters, [key]: value });
  };

  #onSubmit = (event: SubmitEvent) => event.preventDefault();

  #clear = () => this.#emit({ ...emptyFilters(), order: this.filters.order });

  override render() {
    const f = this.filters;
    const texts = TEXT_FILTERS.filter((t) => !(this.pinnedWorkspace && t.key === "workspace_id"));
    return html`<form role="search" aria-label="Filter events" @change=${this.#onChange} @submit=${this.#onSubmit}>
      ${texts.map(
        (t) => html`<label
          >${t.label}
          <input
            type=${t.key === "search" ? "search" : "text"}
            name=${t.key}
            .value=${f[t.key]}
            placeholder=${t.placeholder}
            autocomplete="off"
        /></label>`,
      )}
      <label
        >Actor type
        <select name="actor_type" .value=${f.actor_type}>
          <option value="" ?selected=${f.actor_type === ""}>any</option>
          ${ACTOR_TYPES.map((type) => html`<option value=${type} ?selected=${f.actor_type === type}>${type}</option>`)}
        </select>
      </label>
      <label
        >From <input type="datetime-local" name="start_time" .value=${instantToLocalInput(f.start_time)}
      /></label>
      <label
        >To <input type="datetime-local" name="end_time" .value=${instantToLocalInput(f.end_time)}
      /></label>
      <label
        >Order
        <select name="order" .value=${f.order}>
          <option value="desc" ?selected=${f.order === "desc"}>Newest first</option>
          <option value="asc" ?selected=${f.order === "asc"}>Oldest first</option>
        </select>
      </label>
      <button type="button" @click=${this.#clear}>Clear filters</button>
      ${nothing}
    </form>`;
  }
}

customElements.get("chronicle-filter-bar") ??
  customElements.define("chronicle-filter-bar", FilterBar);

declare global {
  interface HTMLElementTagNameMap {
    "chronicle-filter-bar": FilterBar;
  }
}
