import { html, nothing } from "lit";

/** A failure said in place, announced to screen readers; nothing when there is none. */
export function errorAlert(message: string) {
  return message ? html`<p class="error" role="alert">${message}</p>` : nothing;
}
