import { css } from "lit";

/** Tables, forms and notices shared by the console's pages. */
export const pageStyles = css`
  h2 {
    font-size: 1.2em;
    margin: 0 0 12px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--_border);
    vertical-align: top;
  }
  th {
    color: var(--_muted);
    font-weight: 600;
  }
  form {
    display: flex;
    flex-wrap: wrap;
    gap: 10px 14px;
    align-items: end;
    margin: 0 0 16px;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.9em;
    color: var(--_muted);
  }
  fieldset {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    display: flex;
    gap: 10px;
  }
  fieldset label {
    flex-direction: row;
    align-items: center;
    gap: 4px;
    color: var(--_fg);
  }
  .notice {
    border: 1px solid var(--_accent);
    border-radius: var(--_radius);
    padding: 10px 12px;
    margin: 0 0 16px;
  }
  .error {
    color: var(--_bad);
  }
  .muted {
    color: var(--_muted);
  }
  pre {
    background: var(--_surface);
    padding: 10px;
    border-radius: var(--_radius);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  details summary {
    cursor: pointer;
  }
`;
