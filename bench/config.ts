/** Sizes of every workload, for the full run and for `--quick` (CI: proves the harness). */
export interface Sizes {
  /** Rows seeded by COPY into the large project (page depth, filters, export). */
  largeRows: number;
  /** Rows seeded into the medium project (export RSS reference, SDK overhead, PGlite). */
  mediumRows: number;
  batchIngest: {
    batchSize: number;
    batchesPerRound: number;
    rounds: number;
    warmupBatches: number;
  };
  singleIngest: { clients: number; seconds: number; rounds: number; warmupSeconds: number };
  diyIngest: {
    singleClients: number;
    batchClients: number;
    batchSizes: number[];
    /** Batch rounds send a fixed amount per client (≥ 1 request each), not a duration. */
    batchEventsPerClient: number;
    seconds: number;
    rounds: number;
    warmupSeconds: number;
  };
  operations: {
    clients: number;
    seconds: number;
    rounds: number;
    warmupSeconds: number;
    exportRounds: number;
    /** Exports of the medium project read back to back per measurement (a quick one is short). */
    exportsPerRound: number;
  };
  /** Single ingest over R server processes (and the DIY endpoint as R processes). */
  replicas: {
    connections: number;
    replicas: number[];
    /** Projects of the many-projects case (the one-project case has one). */
    manyProjects: number;
    seconds: number;
    rounds: number;
    warmupSeconds: number;
  };
  middleware: { connections: number; seconds: number; rounds: number; warmupSeconds: number };
  pageDepth: {
    pageSize: number;
    requests: number;
    offsetRequests: number;
    warmupRequests: number;
    rounds: number;
  };
  filters: { requests: number; warmupRequests: number; scanRequests: number };
  /** One expired month of `rows` events purged while single ingest runs. */
  retention: { rows: number; clients: number; seconds: number; rounds: number };
  /** The growth project holds `factor` × largeRows events, compared with the large one. */
  growth: {
    factor: number;
    ingestClients: number;
    ingestSeconds: number;
    ingestRounds: number;
    requests: number;
    rounds: number;
    warmupRequests: number;
    /** Events read through the API to measure their NDJSON size. */
    ndjsonSample: number;
  };
  export: { rounds: number; slowReaderSeconds: number };
  sdkOverhead: { events: number; pageLimit: number; rounds: number };
  embedded: {
    rows: number;
    batchesPerRound: number;
    rounds: number;
    requests: number;
    warmupRequests: number;
  };
  /** Page loads of /console, and rows scrolled through in the feed. */
  console: { loadRounds: number; scrollRows: number };
  integrity: {
    proofRequests: number;
    warmupRequests: number;
    batchSize: number;
    batchesPerRound: number;
    rounds: number;
  };
}

export const FULL: Sizes = {
  largeRows: 1_000_000,
  mediumRows: 100_000,
  batchIngest: { batchSize: 1000, batchesPerRound: 10, rounds: 5, warmupBatches: 3 },
  singleIngest: { clients: 8, seconds: 5, rounds: 4, warmupSeconds: 2 },
  diyIngest: {
    singleClients: 8,
    batchClients: 4,
    batchSizes: [100, 1000],
    batchEventsPerClient: 3000,
    seconds: 4,
    rounds: 5,
    warmupSeconds: 2,
  },
  operations: {
    clients: 8,
    seconds: 4,
    rounds: 10,
    warmupSeconds: 2,
    exportRounds: 7,
    exportsPerRound: 1,
  },
  replicas: {
    connections: 32,
    replicas: [1, 2, 4],
    manyProjects: 16,
    seconds: 4,
    rounds: 3,
    warmupSeconds: 1,
  },
  middleware: { connections: 8, seconds: 3, rounds: 4, warmupSeconds: 2 },
  pageDepth: { pageSize: 50, requests: 60, offsetRequests: 10, warmupRequests: 10, rounds: 3 },
  // 400 indexed requests per row: its p95 is then the 20th-worst request, not the second.
  filters: { requests: 400, warmupRequests: 10, scanRequests: 4 },
  retention: { rows: 1_000_000, clients: 8, seconds: 3, rounds: 3 },
  // 200 requests per row and side, as for filters: a p95 of 24 was their second-worst.
  growth: {
    factor: 5,
    ingestClients: 8,
    ingestSeconds: 3,
    ingestRounds: 4,
    requests: 200,
    rounds: 8,
    warmupRequests: 3,
    ndjsonSample: 5000,
  },
  export: { rounds: 2, slowReaderSeconds: 8 },
  sdkOverhead: { events: 100_000, pageLimit: 200, rounds: 6 },
  embedded: { rows: 100_000, batchesPerRound: 5, rounds: 3, requests: 40, warmupRequests: 5 },
  console: { loadRounds: 5, scrollRows: 10_000 },
  integrity: {
    proofRequests: 400,
    warmupRequests: 40,
    batchSize: 1000,
    batchesPerRound: 3,
    rounds: 10,
  },
};

export const QUICK: Sizes = {
  largeRows: 20_000,
  mediumRows: 5_000,
  batchIngest: { batchSize: 1000, batchesPerRound: 2, rounds: 2, warmupBatches: 1 },
  singleIngest: { clients: 8, seconds: 1, rounds: 2, warmupSeconds: 1 },
  diyIngest: {
    singleClients: 8,
    batchClients: 4,
    batchSizes: [100, 1000],
    batchEventsPerClient: 1000,
    seconds: 1,
    rounds: 1,
    warmupSeconds: 1,
  },
  operations: {
    clients: 8,
    seconds: 2,
    rounds: 6,
    warmupSeconds: 1,
    exportRounds: 7,
    exportsPerRound: 4,
  },
  replicas: {
    connections: 16,
    replicas: [1, 2],
    manyProjects: 4,
    seconds: 1,
    rounds: 1,
    warmupSeconds: 1,
  },
  middleware: { connections: 8, seconds: 1, rounds: 2, warmupSeconds: 1 },
  pageDepth: { pageSize: 50, requests: 10, offsetRequests: 3, warmupRequests: 2, rounds: 2 },
  filters: { requests: 5, warmupRequests: 1, scanRequests: 2 },
  retention: { rows: 20_000, clients: 8, seconds: 1, rounds: 2 },
  growth: {
    factor: 5,
    ingestClients: 8,
    ingestSeconds: 1,
    ingestRounds: 2,
    requests: 4,
    rounds: 2,
    warmupRequests: 1,
    ndjsonSample: 1000,
  },
  export: { rounds: 1, slowReaderSeconds: 2 },
  sdkOverhead: { events: 2_000, pageLimit: 200, rounds: 2 },
  embedded: { rows: 2_000, batchesPerRound: 1, rounds: 2, requests: 5, warmupRequests: 1 },
  console: { loadRounds: 2, scrollRows: 2_000 },
  integrity: {
    proofRequests: 40,
    warmupRequests: 5,
    batchSize: 1000,
    batchesPerRound: 1,
    rounds: 2,
  },
};
