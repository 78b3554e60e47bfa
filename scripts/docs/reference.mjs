// The API reference as Markdown pages (one per operation, one index), so that the site's
// search, navigation and highlighting cover the reference like the guides.
import { deref, operationsOf } from "./samples.mjs";

/** Text for a Vue-compiled Markdown page: no raw tags or mustaches outside code spans. */
export function safeText(text) {
  return String(text ?? "")
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replaceAll("<", "&lt;").replaceAll("{{", "&#123;&#123;"),
    )
    .join("");
}

const firstLine = (text) =>
  safeText(
    String(text ?? "")
      .split("\n\n")[0]
      ?.replaceAll("\n", " "),
  );
const cell = (text) => firstLine(text).replaceAll("|", "\\|");

export const referenceLink = (operationId) => `/reference/${operationId}`;

function parametersSection(parameters) {
  const shown = parameters.filter((p) => p.in !== "header" || p.name !== "Chronicle-Version");
  if (shown.length === 0) return "";
  const rows = shown.map(
    (p) => `| \`${p.name}\` | ${p.in} | ${p.required ? "yes" : "no"} | ${cell(p.description)} |`,
  );
  return `## Parameters\n\n| name | in | required | description |\n| --- | --- | --- | --- |\n${rows.join("\n")}\n`;
}

function responsesSection(document, operation) {
  const rows = Object.entries(operation.responses ?? {}).map(([status, response]) => {
    const resolved = deref(document, response);
    const types = Object.keys(resolved?.content ?? {})
      .map((t) => `\`${t}\``)
      .join(", ");
    return `| ${status} | ${cell(resolved?.description)} | ${types} |`;
  });
  return `## Responses\n\n| status | meaning | content |\n| --- | --- | --- |\n${rows.join("\n")}\n`;
}

function samplesSection(sample) {
  const blocks = [
    `\`\`\`sh [curl]\n${sample.curl}\`\`\``,
    `\`\`\`ts [TypeScript]\n${sample.typescript}\`\`\``,
    `\`\`\`python [Python]\n${sample.python}\`\`\``,
  ];
  return `## Samples\n\n::: code-group\n\n${blocks.join("\n\n")}\n\n:::\n`;
}

export function operationPage(document, entry, sample) {
  const { path, method, operation, parameters } = entry;
  const scope = operation["x-required-scope"] ?? "none";
  return `---
outline: [2, 2]
---

# ${safeText(operation.summary)}

\`${method.toUpperCase()} ${path}\` · operation \`${operation.operationId}\` · scope \`${scope}\`

${safeText(operation.description ?? "")}

${samplesSection(sample)}
${parametersSection(parameters)}
${responsesSection(document, operation)}
The full schema of every field is in the [interactive reference](/api/index.html){target="_self"}.
`;
}

/** Operations grouped by their first tag, in the document's tag order. */
export function operationsByTag(document) {
  const groups = new Map((document.tags ?? []).map((tag) => [tag.name, []]));
  for (const entry of operationsOf(document)) {
    const tag = entry.operation.tags?.[0] ?? "Other";
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push(entry);
  }
  return [...groups].filter(([, entries]) => entries.length > 0);
}

export function referenceIndex(document) {
  const sections = operationsByTag(document).map(([tag, entries]) => {
    const rows = entries.map(
      ({ method, path, operation }) =>
        `| \`${method.toUpperCase()}\` | [\`${path}\`](${referenceLink(operation.operationId)}) | ${safeText(operation.summary)} | \`${operation.operationId}\` |`,
    );
    return `## ${tag}\n\n| method | path | summary | operation |\n| --- | --- | --- | --- |\n${rows.join("\n")}\n`;
  });
  return `# API reference

API version \`${document.info.version}\`. Each operation has samples in curl, TypeScript (the
SDK) and Python. The [interactive reference](/api/index.html){target="_self"} shows every schema;
the contract itself is [openapi.json](/openapi.json){target="_self"}.

${sections.join("\n")}`;
}
