import type { Chronicle, Event } from "@chronicle/sdk";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { type ExportFormat, exportToFile, saveBlob } from "../core/export.js";
import { FeedSource, type RowSource } from "../core/feed-source.js";
import { emptyFilters, type FeedFilters, filtersToParams } from "../core/filters.js";
import { errorText } from "../core/format.js";
import { type IntegrityState, verifyOnScreen } from "../core/integrity.js";
import { errorAlert } from "./error-alert.js";
import { theme } from "./theme.js";
import "./event-drawer.js";
import "./event-list.js";
import "./filter-bar.js";
import type { EventList } from "./event-list.js";

type Verified = Extract<IntegrityState, { status: "verified" }>;

function verifiedLabel(state: Verified): string {
  if (state.method === "server") return `✓ Verified seq ${state.from}–${state.to}`;
  if (state.method === "proofs") return `✓ ${state.count} events proven`;
  return `✓ ${state.count} hashes match`;
}

function verifiedTitle(state: Verified): string {
  if (state.method === "server") {
    return `The server re-computed the hash chain over seq ${state.from}–${state.to}`;
  }
  if (state.method === "proofs") {
    return `This browser checked each event's hash and its inclusion proof in the signed checkpoint of ${state.treeSize} events (${state.pinned ? "pinned key" : "key published by the server"})`;
  }
  return "This browser re-computed each event's hash; the server publishes no signed checkpoint";
}

const EMPTY: RowSource = { length: 0, at: () => undefined };

/**
 * The activity feed with everything around it: filters, the virtualised list, the event
 * drawer, live tail, the integrity badge and export. Used by the console and by
 * `<chronicle-activity>`; it owns no URL: filter changes go out as `filters-change`.
 */
export class ActivityView extends LitElement {
  static override properties = {
    client: { attribute: false },
    filters: { attribute: false },
    pinnedWorkspace: { type: Boolean },
    serverIntegrity: { type: Boolean },
    canExport: { type: Boolean },
    verifierKeys: { attribute: false },
    verifierOrigin: { attribute: false },
    _source: { state: true },
    _selected: { state: true },
    _live: { state: true },
    _liveError: { state: true },
    _integrity: { state: true },
    _exporting: { state: true },
    _exportFormat: { state: true },
    _tick: { state: true },
  };

  declare client: Chronicle | null;
  declare filters: FeedFilters;
  declare pinnedWorkspace: boolean;
  declare serverIntegrity: boolean;
  declare canExport: boolean;
  /** Verifier keys pinned by the page, for checking signed checkpoints in the browser. */
  declare verifierKeys: readonly string[];
  /** The log's origin line pinned by the page: a checkpoint of another log is refused. */
  declare verifierOrigin: string;
  declare _source: FeedSource | null;
  declare _selected: Event | null;
  declare _live: boolean;
  declare _liveError: string;
  declare _integrity: IntegrityState;
  declare _exporting: string;
  declare _exportFormat: ExportFormat;
  declare _tick: number;
  #tail: AbortController | null = null;
  #verifyTimer: ReturnType<typeof setTimeout> | undefined;
  #verifyRun = 0;

  constructor() {
    super();
    this.client = null;
    this.filters = emptyFilters();
    this.pinnedWorkspace = false;
    this.serverIntegrity = false;
    this.canExport = true;
    this.verifierKeys = [];
    this.verifierOrigin = "";
    this._source = null;
    this._selected = null;
    this._live = false;
    this._liveError = "";
    this._integrity = { status: "idle" };
    this._exporting = "";
    this._exportFormat = "csv";
    this._tick = 0;
  }

  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        gap: 8px;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 16px;
        align-items: center;
      }
      .spacer {
        flex: 1;
      }
      chronicle-event-list {
        flex: 1;
        min-height: 240px;
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
      }
      .badge {
        border-radius: 999px;
        padding: 2px 10px;
        border: 1px solid var(--_border);
        font-size: 0.9em;
      }
      .badge.verified {
        color: var(--_ok);
        border-color: var(--_ok);
      }
      .badge.failed,
      .error {
        color: var(--_bad);
        border-color: var(--_bad);
      }
      button[aria-pressed="true"] {
        background: var(--_accent);
        color: var(--_accent-fg);
        border-color: var(--_accent);
      }
      .export {
        display: flex;
        gap: 6px;
        align-items: center;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client") || changed.has("filters")) this.#restart();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopTail();
    this._source?.close();
    clearTimeout(this.#verifyTimer);
  }

  #restart(): void {
    const wasLive = this._live;
    this.#stopTail();
    this._source?.close();
    this._integrity = { status: "idle" };
    this._source = this.client
      ? new FeedSource(this.client, filtersToParams(this.filters), () => this._tick++)
      : null;
    this.renderRoot.querySelector<EventList>("chronicle-event-list")?.reset();
    void this._source?.loadMore();
    if (wasLive) this.#startTail();
  }

  #startTail(): void {
    const source = this._source;
    if (!source) return;
    this.#tail = new AbortController();
    this._live = true;
    this._liveError = "";
    source
      .tail(this.#tail.signal, () => {
        this._tick++;
      })
      .catch((error: unknown) => {
        this._liveError = `Live tail stopped: ${errorText(error)}`;
        this._live = false;
      });
  }

  #stopTail(): void {
    this.#tail?.abort();
    this.#tail = null;
    this._live = false;
  }

  #toggleLive = () => (this._live ? this.#stopTail() : this.#startTail());

  #setFilters = (event: CustomEvent<FeedFilters>) => {
    event.stopPropagation();
    this.filters = event.detail;
    this.dispatchEvent(
      new CustomEvent<FeedFilters>("filters-change", {
        detail: event.detail,
        bubbles: true,
        composed: true,
      }),
    );
  };

  #onVisible = () => {
    clearTimeout(this.#verifyTimer);
    this.#verifyTimer = setTimeout(() => void this.#verify(), 400);
  };

  async #verify(): Promise<void> {
    const list = this.renderRoot.querySelector<EventList>("chronicle-event-list");
    if (!this.client || !list) return;
    const run = ++this.#verifyRun;
    this._integrity = { status: "checking" };
    const state = await verifyOnScreen(this.client, list.visibleRows(), this.serverIntegrity, {
      keys: this.verifierKeys,
      ...(this.verifierOrigin ? { origin: this.verifierOrigin } : {}),
    });
    if (run === this.#verifyRun) this._integrity = state;
  }

  #export = async () => {
    if (!this.client || this._exporting) return;
    const format = this._exportFormat;
    this._exporting = "Exporting…";
    try {
      const file = await exportToFile(
        this.client,
        filtersToParams(this.filters),
        format,
        (rows) => {
          this._exporting = `Exporting… ${rows} rows`;
        },
      );
      saveBlob(this.renderRoot as ShadowRoot, file.blob, file.filename);
      this._exporting = "";
      this.#announce(`Exported ${file.rows} events as ${format.toUpperCase()}.`);
    } catch (error) {
      this._exporting = "";
      this.#announce(`Export failed: ${errorText(error)}`);
    }
  };

  #announcement = "";
  #announce(text: string): void {
    this.#announcement = text;
    this.requestUpdate();
  }

  #badge() {
    const state = this._integrity;
    switch (state.status) {
      case "idle":
        return html`<span class="badge">Integrity: —</span>`;
      case "checking":
        return html`<span class="badge">Integrity: checking…</span>`;
      case "verified":
        return html`<span class="badge verified" title=${verifiedTitle(state)}
          >${verifiedLabel(state)}</span
        >`;
      case "failed":
        return html`<span class="badge failed">✗ Integrity failure at seq ${state.firstInvalidSeq ?? "?"}</span>`;
      case "refused":
        return html`<span class="badge failed" title=${state.message}>✗ Checkpoint refused</span>`;
      case "error":
        return html`<span class="badge failed" title=${state.message}>Integrity: not checked</span>`;
    }
  }

  override render() {
    const source = this._source;
    const error = source?.error;
    return html`<chronicle-filter-bar
        .filters=${this.filters}
        .pinnedWorkspace=${this.pinnedWorkspace}
        @filters-change=${this.#setFilters}
      ></chronicle-filter-bar>
      <div class="bar">
        <button type="button" aria-pressed=${this._live ? "true" : "false"} @click=${this.#toggleLive}>
          ${this._live ? "● Live" : "Live tail"}
        </button>
        <span role="status" aria-live="polite">${this.#badge()}</span>
        <span class="spacer"></span>
        ${
          this.canExport
            ? html`<div class="export">
                <label for="export-format">Export as</label>
                <select
                  id="export-format"
                  .value=${this._exportFormat}
                  @change=${(e: globalThis.Event) => {
                    this._exportFormat = (e.target as HTMLSelectElement).value as ExportFormat;
                  }}
                >
                  <option value="csv">CSV</option>
                  <option value="ndjson">NDJSON</option>
                </select>
                <button type="button" class="primary" ?disabled=${!!this._exporting} @click=${this.#export}>
                  ${this._exporting || "Export"}
                </button>
              </div>`
            : nothing
        }
      </div>
      ${errorAlert(this._liveError)}
      ${errorAlert(error ? `Could not load events: ${errorText(error)}` : "")}
      <p class="visually-hidden" role="status">${this.#announcement}</p>
      <chronicle-event-list
        .rows=${source ?? EMPTY}
        .tick=${this._tick}
        ?done=${source?.done ?? true}
        ?loading=${source?.loading ?? false}
        @load-more=${() => void source?.loadMore().then(() => this._tick++)}
        @open-event=${(e: CustomEvent<Event>) => {
          this._selected = e.detail;
        }}
        @visible-change=${this.#onVisible}
      ></chronicle-event-list>
      <chronicle-event-drawer
        .event=${this._selected}
        @close=${() => {
          this._selected = null;
          this.renderRoot.querySelector<EventList>("chronicle-event-list")?.focus();
        }}
      ></chronicle-event-drawer>`;
  }
}

customElements.get("chronicle-activity-view") ??
  customElements.define("chronicle-activity-view", ActivityView);

declare global {
  interface HTMLElementTagNameMap {
    "chronicle-activity-view": ActivityView;
  }
}
