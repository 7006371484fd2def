/**
 * `npm run bench` (tests workspace): the edge's overhead. The same request — list the models —
 * is sent straight to the runtime (tRPC with the service token) and through the edge (API key
 * and per-key limit in the key's Durable Object, tRPC to the runtime), interleaved in one run so
 * both see the same machine. The edge is served two ways, one after the other: the deploy
 * bundle on workerd without a dev proxy (closest to a request's path on Cloudflare), and
 * `wrangler dev` (what `npm start` runs), whose proxy worker adds a hop of its own. Writes its
 * section of docs/benchmarks.md.
 */
import { join } from "node:path";
import {
  type RunningStack,
  randomApiKey,
  type StackOptions,
  startStack,
  writeReportSection,
} from "@limner/dev-stack";
import type { RuntimeRouter } from "@limner/gpu-runtime/router";
import { createTRPCClient, httpLink } from "@trpc/client";

// A p99 over N rounds rests on its N/100 slowest pairs: 3000 rounds (about a minute for both
// setups) keep it from swinging by milliseconds on a handful of scheduler stalls.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3000);
const WARMUP_ROUNDS = 50;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const timed = async (call: () => Promise<unknown>) => {
  const start = performance.now();
  await call();
  return performance.now() - start;
};

interface Setup {
  title: string;
  edgeServer: NonNullable<StackOptions["edgeServer"]>;
}
const SETUPS: Setup[] = [
  {
    title: "workerd without a dev proxy (the deploy bundle on Miniflare)",
    edgeServer: "miniflare",
  },
  { title: "`wrangler dev`", edgeServer: "wrangler-dev" },
];

/** The calls one round makes against one stack. */
function callsFor(stack: RunningStack) {
  const runtime = createTRPCClient<RuntimeRouter>({
    links: [
      httpLink({
        url: `${stack.runtimeUrl}/trpc`,
        headers: { authorization: `Bearer ${stack.serviceToken}` },
      }),
    ],
  });
  // The runtime answers uncompressed; workerd gzips JSON for a client that accepts it, as
  // Cloudflare's front line does for every worker. So the edge is asked for the same
  // uncompressed bytes, and compression is measured on its own.
  // workerd's own port, past the one-box front proxy: what is measured is the edge itself, as
  // Cloudflare serves it (no such proxy there).
  const viaEdge = (acceptEncoding: string) => async () => {
    const response = await fetch(`${stack.workerdUrl}/v1/models`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, "accept-encoding": acceptEncoding },
    });
    if (!response.ok) throw new Error(`edge answered ${response.status}`);
    await response.arrayBuffer();
  };
  return {
    direct: () => runtime.models.query(),
    viaEdge: viaEdge("identity"),
    viaEdgeGzip: viaEdge("gzip"),
    // What any request to this server pays: no key check, no runtime call.
    floor: async () => {
      const response = await fetch(`${stack.workerdUrl}/healthz`, {
        headers: { "accept-encoding": "identity" },
      });
      await response.arrayBuffer();
    },
  };
}

interface Measured {
  title: string;
  directMs: number[];
  edgeMs: number[];
  edgeGzipMs: number[];
  floorMs: number[];
}

/** Starts the stack with the edge served as `edgeServer`, measures it, and stops it. */
async function measure({ title, edgeServer }: Setup): Promise<Measured> {
  const stack = await startStack({
    edgePort: 0,
    runtimePort: 0,
    apiKey: randomApiKey(),
    modelsDir: join(import.meta.dirname, "../fixtures/models"),
    edgeVars: { LIMIT_REQUESTS_PER_MINUTE: "100000" },
    edgeServer,
  });
  try {
    const calls = callsFor(stack);
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      for (const call of Object.values(calls)) await call();
    }
    const result: Measured = { title, directMs: [], edgeMs: [], edgeGzipMs: [], floorMs: [] };
    for (let i = 0; i < ROUNDS; i++) {
      result.directMs.push(await timed(calls.direct));
      result.edgeMs.push(await timed(calls.viaEdge));
      result.edgeGzipMs.push(await timed(calls.viaEdgeGzip));
      result.floorMs.push(await timed(calls.floor));
    }
    return result;
  } finally {
    await stack.stop();
  }
}

// One setup after the other, each alone on the machine: an idle `wrangler dev` stack beside
// the other one was measured to slow it by about a millisecond at p50.
const measured: Measured[] = [];
for (const setup of SETUPS) measured.push(await measure(setup));

/** Per pair: each edge call minus the direct call of its round. */
const overhead = (directMs: number[], viaEdgeMs: number[]) =>
  viaEdgeMs.map((v, i) => v - (directMs[i] ?? 0));
const row = (name: string, values: number[]) =>
  `| ${name} | ${percentile(values, 50).toFixed(2)} | ${percentile(values, 99).toFixed(2)} |`;
/** How far each latency percentile moves when the call goes through the edge. */
const percentileGap = (name: string, directMs: number[], viaEdgeMs: number[]) =>
  `| ${name} | ${[50, 99].map((p) => (percentile(viaEdgeMs, p) - percentile(directMs, p)).toFixed(2)).join(" | ")} |`;
const tables = measured.map(
  ({ title, directMs, edgeMs, edgeGzipMs, floorMs }) => `**Edge on ${title}**

| path | p50 (ms) | p99 (ms) |
| --- | --- | --- |
${row("runtime directly (tRPC)", directMs)}
${row("through the edge", edgeMs)}
${row("edge overhead", overhead(directMs, edgeMs))}
${percentileGap("edge percentile minus direct percentile", directMs, edgeMs)}
${row("through the edge, answer gzipped", edgeGzipMs)}
${row("edge overhead, answer gzipped", overhead(directMs, edgeGzipMs))}
${row("edge floor: GET /healthz", floorMs)}`,
);

const [production] = measured;
const productionOverhead = production ? overhead(production.directMs, production.edgeMs) : [];
const verdict = (p: number, targetMs: number) =>
  percentile(productionOverhead, p) <= targetMs ? "meets" : "misses";
const gap99 = production
  ? percentile(production.edgeMs, 99) - percentile(production.directMs, 99)
  : Number.NaN;

const section = `## Edge overhead

Generated by \`npm run bench\` (tests/bench/edge-overhead.ts) on ${new Date().toISOString().slice(0, 10)}: ${ROUNDS}
interleaved rounds of \`GET /v1/models\` through the edge — the API key checked and its per-key
limit counted in one call to the key's Durable Object (\`KeyAuthority\`, local SQLite storage),
then tRPC to the runtime — versus the same call straight to the runtime. Overhead is per pair
(edge minus direct, measured back to back), so both sides of each pair saw the same machine load.
The two ways of serving the edge ran one after the other in this run, each alone on the machine
with its own runtime.

${tables.join("\n\n")}

The first table is the closest local stand-in for the path a request takes on Cloudflare: the
bundle \`wrangler deploy\` uploads, served by workerd with the same local D1, R2 and Durable Object
bindings and nothing in front but Miniflare's entry worker in the same process (on Cloudflare,
D1 and the Durable Object are across the network, so absolute numbers there differ).
\`wrangler dev\` puts its proxy worker, in a second workerd process, in front of the user
worker; the difference between the two floor rows is that hop, paid by every request under
\`npm start\` and not on Cloudflare, and the \`wrangler dev\` overhead rows include it.

The runtime answers uncompressed, so the edge is asked for uncompressed JSON too
(\`accept-encoding: identity\`) and both sides move the same bytes. Asked for gzip, workerd
compresses the answer, as Cloudflare's front line does in front of any worker; the "answer
gzipped" rows show what that costs, the client's decompression included.

The targets (p50 ≤ 2 ms, p99 ≤ 5 ms) are about the edge itself, so the first table's "edge
overhead" row is the one to hold against them; in this run it ${verdict(50, 2)} the p50 target
and ${verdict(99, 5)} the p99 target. The machine has 2 cores and is shared with other
jobs: p50s repeat within a few tenths of a millisecond between runs, p99s move by milliseconds,
and even the runtime called directly has a p99 of several milliseconds. The per-pair p99 counts
every stall that lands inside an edge call, the runtime's own included (the edge calls it too),
so it is the strict reading; the row below it, how far the p99 latency itself moves when calls
go through the edge (${gap99.toFixed(2)} ms in this run), is the lenient one. The target is held
against the strict one.
`;
writeReportSection(join(import.meta.dirname, "../../docs/benchmarks.md"), "edge", section);
process.stdout.write(section);
