/**
 * Architecture rules checked by `pnpm lint:deps`: no import cycles anywhere in the packages,
 * and the server's one-way layers cli → http → services → store → domain (see CONTRIBUTING.md).
 * `telemetry/` sits beside http (request spans, a traced store); `demo/` beside cli.
 */
const server = "^packages/server/src/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Modules that import each other, directly or through others, cannot be understood or tested alone.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-imports-no-layer",
      severity: "error",
      comment:
        "domain/ holds plain types and pure rules: it imports nothing from the other layers.",
      from: { path: `${server}domain/` },
      to: { path: server, pathNot: `${server}domain/` },
    },
    {
      name: "store-imports-only-domain",
      severity: "error",
      comment: "store/ is the data layer: it may use domain/, never the layers above it.",
      from: { path: `${server}store/` },
      to: { path: `${server}(services|http|cli|telemetry|demo)/|${server}cli\\.ts$` },
    },
    {
      name: "services-below-http",
      severity: "error",
      comment:
        "services/ hold the rules: they may use store/ and domain/, never http/, cli/ or telemetry/.",
      from: { path: `${server}services/` },
      to: { path: `${server}(http|cli|telemetry|demo)/|${server}cli\\.ts$` },
    },
    {
      name: "services-not-express",
      severity: "error",
      comment: "services/ know nothing of HTTP: express stays in http/.",
      from: { path: `${server}(services|store|domain)/` },
      to: { path: "node_modules/express/" },
    },
    {
      name: "http-not-store",
      severity: "error",
      comment:
        "http/ reaches data through services/ only; services/ re-export the Store type it hands them.",
      from: { path: `${server}http/` },
      to: { path: `${server}store/` },
    },
    {
      name: "http-below-cli",
      severity: "error",
      comment: "cli/ composes the server; http/ and telemetry/ never import it.",
      from: { path: `${server}(http|telemetry)/` },
      to: { path: `${server}(cli|demo)/|${server}cli\\.ts$` },
    },
    {
      name: "database-drivers-only-in-store",
      severity: "error",
      comment: "Only store/ talks to PostgreSQL or PGlite; the others see the store's interfaces.",
      // The test kit makes and drops test databases itself.
      from: { path: "^packages/", pathNot: `${server}store/|^packages/test-kit/` },
      to: {
        path: "node_modules/(pg|pg-copy-streams|@electric-sql/pglite)/",
      },
    },
    {
      name: "packages-by-name",
      severity: "error",
      comment:
        "A package uses another by its name (@chronicle/…), not by a relative path into its folder.",
      // The test kit reaches the server's source (not a package export) in this one module.
      from: { path: "^packages/([^/]+)/", pathNot: "^packages/test-kit/src/server-source\\.ts$" },
      to: {
        dependencyTypes: ["local"],
        dependencyTypesNot: ["aliased"],
        path: "^packages/",
        pathNot: "^packages/$1/",
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|generated)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
