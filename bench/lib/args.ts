export interface BenchArgs {
  quick: boolean;
  out: string | undefined;
  /**
   * Write docs/benchmarks.md and its chart; default on only for a full run of every workload
   * (a --quick or --only run would overwrite the full page with partial figures).
   */
  docs: boolean;
  only: string[] | undefined;
  keepDatabase: boolean;
  cpuProfile: boolean;
  /** Re-render docs/benchmarks.md from an existing results file and exit. */
  renderOnly: string | undefined;
}

const USAGE = `usage: pnpm bench [--quick] [--out PATH] [--docs|--no-docs] [--only id,id]
                  [--keep-db] [--cpu-prof] [--render-only RESULTS.json]`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    out: undefined,
    docs: true,
    only: undefined,
    keepDatabase: false,
    cpuProfile: false,
    renderOnly: undefined,
  };
  let docsGiven: boolean | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === "--") continue;
    else if (arg === "--quick") args.quick = true;
    else if (arg === "--out") args.out = value();
    else if (arg === "--docs") docsGiven = true;
    else if (arg === "--no-docs") docsGiven = false;
    else if (arg === "--only") args.only = value().split(",").filter(Boolean);
    else if (arg === "--keep-db") args.keepDatabase = true;
    else if (arg === "--cpu-prof") args.cpuProfile = true;
    else if (arg === "--render-only") args.renderOnly = value();
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (docsGiven && args.only) {
    throw new Error(`--docs with --only would replace the full page with part of it\n${USAGE}`);
  }
  args.docs = docsGiven ?? (!args.quick && !args.only);
  return args;
}
