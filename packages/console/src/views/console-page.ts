import type { Chronicle } from "@chronicle/sdk";
import {
  html,
  LitElement,
  type PropertyDeclarations,
  type PropertyValues,
  type TemplateResult,
} from "lit";
import { theme } from "../components/theme.js";
import { errorText } from "../core/format.js";
import { pageStyles } from "./page-styles.js";

/** A page of the console: works with the signed-in client, says a failure in place. */
export class ConsolePage extends LitElement {
  static override properties: PropertyDeclarations = {
    client: { attribute: false },
    _error: { state: true },
  };
  declare client: Chronicle | null;
  declare _error: string;

  static override styles = [theme, pageStyles];

  constructor() {
    super();
    this.client = null;
    this._error = "";
  }

  /** Runs `work` with the client, if there is one; a failure becomes the page's error. */
  protected async attempt(work: (client: Chronicle) => Promise<void>): Promise<void> {
    if (!this.client) return;
    try {
      await work(this.client);
    } catch (error) {
      this._error = errorText(error);
    }
  }
}

/** The most items a page lists (the admin lists are single pages of the API). */
const MAX_ITEMS = 10_000;

/** A page that lists one resource, loaded whenever the client changes. */
export abstract class ListPage<Item> extends ConsolePage {
  static override properties: PropertyDeclarations = { _items: { state: true } };
  /** `null` until the first load answers. */
  declare _items: Item[] | null;

  constructor() {
    super();
    this._items = null;
  }

  /** The SDK list call (`client.apiKeys.list()`, …). */
  protected abstract list(client: Chronicle): {
    toArray(options: { max: number }): Promise<Item[]>;
  };

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client")) void this.reload();
  }

  protected reload(): Promise<void> {
    return this.attempt(async (client) => {
      this._items = await this.list(client).toArray({ max: MAX_ITEMS });
    });
  }

  /** The items as a table with a caption and column headings, or "Loading…" before them. */
  protected table(
    caption: string,
    columns: readonly string[],
    row: (item: Item) => TemplateResult,
  ) {
    if (this._items === null) return html`<p role="status">Loading…</p>`;
    return html`<table>
      <caption class="visually-hidden">${caption}</caption>
      <thead>
        <tr>
          ${columns.map((column) => html`<th scope="col">${column}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${this._items.map(row)}
      </tbody>
    </table>`;
  }
}
