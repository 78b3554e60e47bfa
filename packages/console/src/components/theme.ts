import { css } from "lit";

/**
 * The theme: every colour, font and radius is a CSS custom property with a default, so a
 * host page restyles the viewer from outside (`chronicle-activity { --chronicle-accent: … }`)
 * while the styles themselves stay inside the Shadow DOM.
 */
export const theme = css`
  :host {
    --_font: var(--chronicle-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
    --_mono: var(--chronicle-font-mono, ui-monospace, "SFMono-Regular", Menlo, monospace);
    --_bg: var(--chronicle-background, #ffffff);
    --_surface: var(--chronicle-surface, #f6f7f9);
    --_fg: var(--chronicle-foreground, #1b1f24);
    --_muted: var(--chronicle-muted, #57606a);
    --_border: var(--chronicle-border, #d0d7de);
    --_accent: var(--chronicle-accent, #0b5cad);
    --_accent-fg: var(--chronicle-accent-foreground, #ffffff);
    --_selected: var(--chronicle-selected, #ddeafa);
    --_ok: var(--chronicle-success, #1a7f37);
    --_bad: var(--chronicle-danger, #b42318);
    --_added: var(--chronicle-diff-added, #dafbe1);
    --_removed: var(--chronicle-diff-removed, #ffebe9);
    --_radius: var(--chronicle-radius, 6px);
    --_focus: var(--chronicle-focus-ring, #0b5cad);
    font-family: var(--_font);
    font-size: var(--chronicle-font-size, 14px);
    color: var(--_fg);
    background: var(--_bg);
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 1px;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    border: 1px solid var(--_border);
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: 4px 10px;
    cursor: pointer;
  }
  button.primary {
    background: var(--_accent);
    color: var(--_accent-fg);
    border-color: var(--_accent);
  }
  button:disabled {
    cursor: default;
    opacity: 0.6;
  }
  input,
  select,
  textarea {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 4px 6px;
    background: var(--_bg);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  code,
  pre {
    font-family: var(--_mono);
    font-size: 0.92em;
  }
`;
