import { benchCursorSecret } from "../lib/chronicle.js";
import { cursorAtDepth } from "../lib/cursor.js";
import { atMost } from "../lib/results.js";
import { getter, interleave } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

/**
 * A 50-row page at the start and `largeRows` deep through cursors (HTTP), against the same
 * pages through OFFSET (SQL, shown only: it is why the API has no offset).
 */
export const pageDepth: Workload = {
  id: "page-depth",
  title: "Page depth",
  measure: "p50 of a 50-row page at the start and 1 M rows deep, through cursors",
  baseline: "the same pages through `OFFSET` (SQL; shown, to make the point)",
  goal: "deep / first ≤ 1.3",
  datasets: ["large"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.pageDepth;
    const depth = context.sizes.largeRows - sizes.pageSize;
    const headers = bearer(context.large);
    const deep = await cursorAtDepth({
      baseUrl: context.server.url,
      path: "/v1/events",
      headers,
      secret: benchCursorSecret(),
      depth,
    });
    const base = `${context.server.url}/v1/events?limit=${sizes.pageSize}`;
    const offsetSql =
      "SELECT * FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3";
    const offsetPage = (offset: number) => () =>
      context.pool.query(offsetSql, [context.large.project_id, sizes.pageSize, offset]);
    const cursors = await interleave(
      {
        cursorFirst: getter(base, headers),
        cursorDeep: getter(`${base}&cursor=${encodeURIComponent(deep.cursor)}`, headers),
      },
      { rounds: sizes.rounds, perRound: sizes.requests, warmup: sizes.warmupRequests },
    );
    // A deep OFFSET page takes most of a second at 1 M: fewer samples keep the run short.
    const offsets = await interleave(
      { offsetFirst: offsetPage(0), offsetDeep: offsetPage(depth) },
      { rounds: sizes.rounds, perRound: sizes.offsetRequests, warmup: 1 },
    );
    const { cursorFirst, cursorDeep } = cursors;
    const { offsetFirst, offsetDeep } = offsets;
    const ratio = cursorDeep.median / cursorFirst.median;
    const offsetRatio = offsetDeep.median / offsetFirst.median;
    const rows = formatCount(depth + sizes.pageSize);
    return {
      sizes: `${formatCount(context.sizes.largeRows)} seeded events in one project; ${sizes.pageSize}-row pages, order desc; the deep page is the last one (${formatCount(depth)} rows in)`,
      warmup: `${sizes.warmupRequests} requests of each cursor kind, 1 of each OFFSET kind`,
      repetitions: `${sizes.rounds} rounds × ${sizes.requests} sequential requests of each cursor kind (first and deep alternating by round), then ${sizes.rounds} rounds × ${sizes.offsetRequests} of each OFFSET kind`,
      rows: [
        {
          name: `cursor page ${rows} deep vs first (HTTP)`,
          measured: { label: "deep", unit: "ms", summary: cursorDeep },
          baseline: { label: "first", unit: "ms", summary: cursorFirst },
          ratio: { value: ratio, label: "deep / first" },
          goals: [atMost(ratio, 1.3)],
        },
        {
          name: `OFFSET page ${rows} deep vs first (SQL)`,
          measured: { label: "deep", unit: "ms", summary: offsetDeep },
          baseline: { label: "first", unit: "ms", summary: offsetFirst },
          ratio: { value: offsetRatio, label: "deep / first" },
          goals: [],
          goalText: "shown, to make the point",
        },
      ],
      notes: [
        `The deep cursor was ${deep.how === "re-signed" ? "re-signed from the first page's cursor with the run's configured token secret (the documented cursor format), so no 1 M-row walk is needed" : "reached by walking 200-row pages"}.`,
        "The OFFSET pages are timed as SQL from the bench process (the API has no offset), so they exclude HTTP; compare their ratio, not their milliseconds.",
      ],
    };
  },
};
