// The VitePress configuration of the docs site: navigation built from the folders, so a
// new guide or operation appears without any per-file configuration.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { operationsByTag, referenceLink } from "./reference.mjs";

export const REPOSITORY_URL = "https://github.com/chronicle-dev/chronicle";

/** Reading order of the guides; any other guide follows alphabetically. */
const GUIDE_ORDER = [
  "quick-start",
  "installation",
  "events-and-actors",
  "query-language",
  "cursors-and-polling",
  "errors",
  "rate-limits",
  "integrity",
  "live-tail",
  "action-catalog",
  "viewer-tokens",
  "retention",
  "mock",
];

export const titleOf = (markdown, fallback) =>
  /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? fallback;

/** Every guide of docs/guides with its title, in reading order. */
export function listGuides(guidesDir) {
  const rank = (name) => {
    const index = GUIDE_ORDER.indexOf(name);
    return index === -1 ? GUIDE_ORDER.length : index;
  };
  return readdirSync(guidesDir)
    .filter((file) => file.endsWith(".md"))
    .map((file) => file.slice(0, -3))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => ({
      name,
      title: titleOf(readFileSync(join(guidesDir, `${name}.md`), "utf8"), name),
    }));
}

export function siteConfig({ guides, notes, document, base }) {
  const reference = operationsByTag(document).map(([tag, entries]) => ({
    text: tag,
    collapsed: true,
    items: entries.map(({ operation }) => ({
      text: operation.summary,
      link: referenceLink(operation.operationId),
    })),
  }));
  return {
    title: "Chronicle",
    description: "Chronicle, the activity and audit-log API: guides, SDK and API reference.",
    base,
    lang: "en",
    // The site must work with no network: nothing is loaded from elsewhere.
    head: [],
    themeConfig: {
      nav: [
        { text: "Guides", link: "/guides/quick-start" },
        { text: "SDK", link: "/sdk" },
        { text: "API reference", link: "/reference/" },
      ],
      sidebar: [
        {
          text: "Guides",
          items: guides.map(({ name, title }) => ({ text: title, link: `/guides/${name}` })),
        },
        { text: "SDK", items: [{ text: "TypeScript SDK", link: "/sdk" }] },
        {
          text: "API reference",
          items: [{ text: "All operations", link: "/reference/" }, ...reference],
        },
        {
          text: "Project",
          items: notes.map(({ name, title }) => ({ text: title, link: `/${name}` })),
        },
      ],
      search: { provider: "local" },
      outline: [2, 3],
      socialLinks: [{ icon: "github", link: REPOSITORY_URL }],
    },
  };
}
