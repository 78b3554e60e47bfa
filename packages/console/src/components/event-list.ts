import type { Event } from "@chronicle/sdk";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { RowSource } from "../core/feed-source.js";
import { actorLabel, formatTime, targetLabel } from "../core/format.js";
import { theme } from "./theme.js";

interface RowText {
  time: string;
  actor: string;
  target: string;
}

/** A row's derived text, worked out once per event object rather than on every frame. */
const rowTexts = new WeakMap<Event, RowText>();

function rowText(event: Event): RowText {
  let text = rowTexts.get(event);
  if (!text) {
    text = {
      time: formatTime(event.occurred_at),
      actor: actorLabel(event),
      target: targetLabel(event),
    };
    rowTexts.set(event, text);
  }
  return text;
}

/** Every row is this tall, so the window of rows on screen is arithmetic on scrollTop. */
export const ROW_HEIGHT = 44;
const OVERSCAN = 8;
/** Ask for the next page when the window gets this close to the last loaded row. */
const PREFETCH_ROWS = 60;

/**
 * The feed as a virtualised listbox: only the rows in view (plus a few) are in the DOM,
 * whatever the number loaded. Hand-written rather than a virtualizer library because rows
 * have one fixed height (the window is two divisions) and keyboard focus must follow the
 * active row, which the listbox pattern (aria-activedescendant) does without moving DOM
 * focus between recycled nodes.
 *
 * Keys: ↑/↓ move, PageUp/PageDown jump a screen, Home/End, Enter opens the event.
 * Fires `load-more` near the end, `open-event` (detail: the event) and `visible-change`.
 */
export class EventList extends LitElement {
  static override properties = {
    rows: { attribute: false },
    /** Bumped by the owner when `rows` changed in place (pages loaded, fetched or dropped). */
    tick: { type: Number },
    done: { type: Boolean },
    loading: { type: Boolean },
    label: { type: String },
    _scrollTop: { state: true },
    _height: { state: true },
    _active: { state: true },
  };

  declare rows: RowSource;
  declare tick: number;
  declare done: boolean;
  declare loading: boolean;
  declare label: string;
  declare _scrollTop: number;
  declare _height: number;
  declare _active: number;
  #resize = new ResizeObserver((entries) => {
    for (const entry of entries) this._height = entry.contentRect.height;
  });

  constructor() {
    super();
    this.rows = { length: 0, at: () => undefined };
    this.tick = 0;
    this.done = false;
    this.loading = false;
    this.label = "Events";
    this._scrollTop = 0;
    this._height = 600;
    this._active = 0;
  }

  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        position: relative;
      }
      .viewport {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overflow-anchor: none;
        position: relative;
        contain: strict;
      }
      .spacer {
        position: relative;
      }
      .window {
        position: absolute;
        left: 0;
        right: 0;
        top: 0;
        will-change: transform;
      }
      .row {
        height: ${ROW_HEIGHT}px;
        box-sizing: border-box;
        display: grid;
        grid-template-columns: 11.5em minmax(9em, 1.1fr) minmax(8em, 1fr) minmax(8em, 1fr) 2fr;
        gap: 12px;
        align-items: center;
        padding: 0 12px;
        border-bottom: 1px solid var(--_border);
        cursor: pointer;
        white-space: nowrap;
        /* A row's size is fixed and its content its own: changing one lays out one. */
        contain: strict;
      }
      .row > span {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .row:hover {
        background: var(--_surface);
      }
      .row[aria-selected="true"] {
        background: var(--_selected);
      }
      .viewport:focus-visible .row[aria-selected="true"] {
        outline: 3px solid var(--_focus);
        outline-offset: -3px;
      }
      .time,
      .summary {
        color: var(--_muted);
      }
      .action {
        font-family: var(--_mono);
      }
      .status {
        padding: 6px 12px;
        border-top: 1px solid var(--_border);
        color: var(--_muted);
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.updateComplete.then(() => {
      const viewport = this.renderRoot.querySelector(".viewport");
      if (viewport) this.#resize.observe(viewport);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
  }

  /** Back to the top with the first row active (a new filter, a new order). */
  reset(): void {
    this._active = 0;
    this._scrollTop = 0;
    const viewport = this.#viewport();
    if (viewport) viewport.scrollTop = 0;
  }

  #viewport(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(".viewport");
  }

  #onScroll = (event: globalThis.Event) => {
    this._scrollTop = (event.target as HTMLElement).scrollTop;
  };

  /** The rows fully or partly in view right now. */
  visibleRows(): Event[] {
    const first = Math.floor(this._scrollTop / ROW_HEIGHT);
    const last = Math.min(
      this.rows.length,
      Math.ceil((this._scrollTop + this._height) / ROW_HEIGHT),
    );
    const rows: Event[] = [];
    for (let index = first; index < last; index++) {
      const event = this.rows.at(index);
      if (event) rows.push(event);
    }
    return rows;
  }

  #lastWindow = "";

  #marked = false;

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.#marked && this.rows.length > 0) {
      // For real-user monitoring and the bench: navigation start to the first rows painted.
      this.#marked = true;
      performance.mark("chronicle:first-rows");
    }
    const last = Math.floor((this._scrollTop + this._height) / ROW_HEIGHT);
    const first = Math.floor(this._scrollTop / ROW_HEIGHT);
    const visible = this.visibleRows();
    const window = `${first}:${visible[0]?.seq}:${visible.length}:${this.rows.length}`;
    if (window !== this.#lastWindow) {
      this.#lastWindow = window;
      this.rows.showing?.(first, first + Math.ceil(this._height / ROW_HEIGHT));
      this.dispatchEvent(new CustomEvent("visible-change", { bubbles: true, composed: true }));
    }
    if (!this.done && !this.loading && last + PREFETCH_ROWS >= this.rows.length) {
      this.dispatchEvent(new CustomEvent("load-more", { bubbles: true, composed: true }));
    }
    if (changed.has("rows") && this._active >= this.rows.length) this._active = 0;
  }

  #moveTo(index: number): void {
    if (this.rows.length === 0) return;
    const next = Math.max(0, Math.min(this.rows.length - 1, index));
    this._active = next;
    const viewport = this.#viewport();
    if (!viewport) return;
    const top = next * ROW_HEIGHT;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight) {
      viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight;
    }
    this._scrollTop = viewport.scrollTop;
  }

  #open(index: number): void {
    const event = this.rows.at(index);
    if (!event) return;
    this._active = index;
    this.dispatchEvent(
      new CustomEvent<Event>("open-event", { detail: event, bubbles: true, composed: true }),
    );
  }

  /** One listener for every row (rows are recycled; the row says its index). */
  #onClick = (event: MouseEvent) => {
    const row = (event.target as Element).closest<HTMLElement>(".row[data-index]");
    if (row) this.#open(Number(row.dataset.index));
  };

  #onKey = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(this._height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this._active + 1,
      ArrowUp: this._active - 1,
      PageDown: this._active + page,
      PageUp: this._active - page,
      Home: 0,
      End: this.rows.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      this.#moveTo(target);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.#open(this._active);
    }
  };

  /** Gives keyboard focus back to the list (after the drawer closes). */
  override focus(): void {
    this.#viewport()?.focus();
  }

  override render() {
    const total = this.rows.length;
    const first = Math.max(0, Math.floor(this._scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      total,
      Math.ceil((this._scrollTop + this._height) / ROW_HEIGHT) + OVERSCAN,
    );
    // Enough slots for the largest window this height can show, so keys never collide.
    const slots = Math.ceil(this._height / ROW_HEIGHT) + 2 * OVERSCAN + 2;
    const visible: (Event | undefined)[] = [];
    for (let index = first; index < last; index++) visible.push(this.rows.at(index));
    const activeEvent = this.rows.at(this._active);
    const active = activeEvent ? `row-${activeEvent.id}` : "";
    const setSize = this.done ? total : -1;
    return html`<div
      class="viewport"
      role="listbox"
      tabindex="0"
      aria-label=${this.label}
      aria-busy=${this.loading ? "true" : "false"}
      aria-activedescendant=${active || nothing}
      @scroll=${this.#onScroll}
      @keydown=${this.#onKey}
      @click=${this.#onClick}
    >
      <div class="spacer" style="height:${total * ROW_HEIGHT + (this.done ? 0 : ROW_HEIGHT)}px">
        <div class="window" style="transform:translateY(${first * ROW_HEIGHT}px)">
          ${repeat(
            visible,
            // Keyed by slot, not by event: a row that stays in view keeps its node untouched,
            // and a row that scrolls in takes the node of one that scrolled out (moved, its
            // text rewritten) instead of a new one, so scrolling allocates no DOM.
            (_event, offset) => (first + offset) % slots,
            (event, offset) => {
              const index = first + offset;
              if (!event) {
                return html`<div class="row placeholder" role="option" aria-selected="false"
                aria-posinset=${index + 1} aria-setsize=${setSize}>
                <span class="time">Loading…</span>
              </div>`;
              }
              const text = rowText(event);
              return html`<div
              class="row"
              role="option"
              id="row-${event.id}"
              data-seq=${event.seq}
              data-index=${index}
              aria-selected=${index === this._active ? "true" : "false"}
              aria-posinset=${index + 1}
              aria-setsize=${setSize}
            >
              <span class="time">${text.time}</span>
              <span class="action">${event.action}</span>
              <span class="actor">${text.actor}</span>
              <span class="target">${text.target}</span>
              <span class="summary">${event.summary ?? ""}</span>
            </div>`;
            },
          )}
        </div>
      </div>
    </div>
    <div class="status" role="status">${this.#status(total)}</div>`;
  }

  #status(total: number): string {
    if (this.loading) return total === 0 ? "Loading events…" : `${total} events, loading more…`;
    if (total === 0) return this.done ? "No events match these filters." : "";
    return this.done ? `${total} events` : `${total} events loaded`;
  }
}

customElements.get("chronicle-event-list") ??
  customElements.define("chronicle-event-list", EventList);

declare global {
  interface HTMLElementTagNameMap {
    "chronicle-event-list": EventList;
  }
}
