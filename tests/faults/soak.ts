/**
 * `npm run bench` (tests workspace), after the edge-overhead bench: the soak. Twenty minutes
 * (`SOAK_MINUTES`) of mixed load — generations and captions, 8 clients — against two runtimes
 * behind the edge (deploy bundle on workerd). Reports p50/p99 latency per kind, answers by
 * status, requests that got no HTTP answer at all (lost), and the resident memory of each
 * process group (runtime 1, runtime 2, edge): floor and median of the first window after a
 * warm-up (so start-up allocations do not count as growth) against the last window, the trend of
 * the floors, and minute by minute. Not in CI: it is a bench.
 * Writes its section of docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { writeReportSection } from "@limner/dev-stack";
import sharp from "sharp";
import { startTestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, type Outcome, sleep } from "./fault-helpers";

// Twenty minutes by default: a trend in memory needs many minutes past the warm-up to stand
// out of the garbage collectors' noise.
const MINUTES = Number(process.env.SOAK_MINUTES ?? 20);
const CLIENTS = 8;
/** Warm-up: ONNX arenas and the allocators grow to the largest batch shapes they meet first. */
const WARMUP_MS = Math.min(300_000, (MINUTES * 60_000) / 4);

const SAMPLE_MS = 5_000;
/** Start and end windows: long enough that every process collects garbage at least once. */
const WINDOW_MS = Math.min(180_000, (MINUTES * 60_000) / 5);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const median = (values: number[]) => percentile(values, 50);
const mean = (values: number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

/** Least-squares slope of `ys` against `xs`. */
function slope(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * ((ys[i] ?? my) - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * A gauge of the runtime main thread's memory (MiB) from its `/metrics`:
 * `nodejs_heap_size_used_bytes` (live JS objects and garbage not yet collected) or
 * `nodejs_external_memory_bytes` (buffers and strings outside the JS heap).
 */
async function runtimeMemoryMiB(runtimeUrl: string, gauge: string): Promise<number> {
  const metrics = await fetch(`${runtimeUrl}/metrics`).then((r) => r.text());
  const match = metrics.match(new RegExp(`^${gauge} (\\S+)$`, "m"));
  return match ? Number(match[1]) / 2 ** 20 : Number.NaN;
}

/** Resident memory (MiB) of a process group: the process and everything it started. */
function groupRssMiB(pid: number): number {
  const out = execFileSync("ps", ["-o", "rss=", "-g", String(pid)], { encoding: "utf8" });
  return out.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0) / 1024;
}

const stack = await startTestStack(["tiny-sd", "limner-mini"], {
  runtimeCount: 2,
  edgeVars: NO_LIMITS,
  edgeServer: FAULT_EDGE_SERVER,
});
try {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#f0f0f0"/><circle cx="64" cy="64" r="30" fill="#e02020"/></svg>`;
  const png = (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
  const processes = [
    ...stack.runtimes.map((r) => ({ name: r.name, pid: () => r.process.child.pid ?? 0 })),
    { name: "edge", pid: () => stack.edge.child.pid ?? 0 },
  ];
  const outcomes: (Outcome & { kind: string })[] = [];
  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  let n = 0;
  const client = async () => {
    while (Date.now() < endAt) {
      const i = n++;
      const kind = i % 3 === 2 ? "caption" : "generate";
      const outcome =
        kind === "caption"
          ? await callEdge(stack, "/v1/images/captions", {
              body: { image: png, model: "limner-mini", detail: i % 2 ? "short" : "descriptive" },
            })
          : await callEdge(stack, "/v1/images/generations", {
              body: {
                prompt: `a red star and a blue circle ${i}`,
                seed: i,
                steps: 4,
                upsample: false,
              },
            });
      outcomes.push({ ...outcome, kind });
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  // Resident memory every few seconds. A single reading lands anywhere on the garbage
  // collectors' sawtooth (hundreds of MiB under this load), so windows are summarised by their
  // floor and median, and "flat" compares the first window after the warm-up with the last
  // one: a leak raises the floor from one to the other, memory that settles (sessions loaded
  // on first use, ONNX arenas sized by the largest batch) does not.
  // The runtimes' JS heaps too: a floor that rises in RSS but not in the heap is native memory
  // (ONNX Runtime, libvips, the allocator), not objects the runtime keeps.
  const samples: { at: number; rss: number[]; heap: number[] }[] = [];
  const sampler = (async () => {
    while (Date.now() < endAt) {
      const at = Date.now() - started;
      const rss = processes.map((p) => groupRssMiB(p.pid()));
      const heap = await Promise.all(
        stack.runtimes.map((r) => runtimeMemoryMiB(r.url, "nodejs_heap_size_used_bytes")),
      );
      samples.push({ at, rss, heap });
      await sleep(Math.min(SAMPLE_MS, Math.max(0, endAt - Date.now())));
    }
  })();
  await Promise.all(clients);
  await sampler;
  // What the runtimes' main threads hold once the load is over: a retained result shows up
  // as external memory (its images) that garbage collection cannot give back.
  const external = await Promise.all(
    stack.runtimes.map((r) => runtimeMemoryMiB(r.url, "nodejs_external_memory_bytes")),
  );
  // Each measured series: every process group's RSS, then each runtime main thread's JS heap.
  const series = [
    ...processes.map((p, i) => ({
      name: `${p.name} (resident)`,
      pick: (s: (typeof samples)[number]) => s.rss[i] ?? 0,
    })),
    ...stack.runtimes.map((r, i) => ({
      name: `${r.name} (JS heap)`,
      pick: (s: (typeof samples)[number]) => s.heap[i] ?? 0,
    })),
  ];
  const summarise = (pick: (s: (typeof samples)[number]) => number, from: number, to: number) => {
    const values = samples.filter((s) => s.at >= from && s.at < to).map(pick);
    return { median: median(values), floor: Math.min(...values) };
  };
  const minutes = Array.from({ length: MINUTES }, (_, minute) => minute);
  const timeline = minutes.map((minute) => ({
    minute,
    rss: processes.map((_, i) =>
      summarise((s) => s.rss[i] ?? 0, minute * 60_000, (minute + 1) * 60_000),
    ),
  }));

  const byStatus = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.status === 0 ? "no answer (lost)" : String(o.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  const latency = (kind: string) => {
    const ms = outcomes.filter((o) => o.kind === kind && o.status === 200).map((o) => o.at);
    return `| ${kind} | ${ms.length} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 99).toFixed(0)} |`;
  };
  const change = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
  const settled = minutes.filter((minute) => minute * 60_000 >= WARMUP_MS);
  /** Resident floor trends above this share of their level per 10 minutes read as growth. */
  const FLAT_PERCENT = 10;
  const memory = series.map(({ name, pick }, row) => {
    const floors = settled.map((m) => summarise(pick, m * 60_000, (m + 1) * 60_000).floor);
    const perTenMinutes = 10 * slope(settled, floors);
    return {
      name,
      resident: row < processes.length,
      start: summarise(pick, WARMUP_MS, WARMUP_MS + WINDOW_MS),
      end: summarise(pick, MINUTES * 60_000 - WINDOW_MS, Infinity),
      perTenMinutes,
      trendPercent: (100 * perTenMinutes) / mean(floors),
    };
  });
  const memoryRows = memory.map(
    ({ name, start: a, end: b, perTenMinutes, trendPercent }) =>
      `| ${name} | ${a.floor.toFixed(0)} | ${b.floor.toFixed(0)} | ${change(a.floor, b.floor)} | ${perTenMinutes >= 0 ? "+" : ""}${perTenMinutes.toFixed(0)} MiB (${trendPercent.toFixed(1)} %) | ${a.median.toFixed(0)} | ${b.median.toFixed(0)} | ${change(a.median, b.median)} |`,
  );
  const residentFlat = memory
    .filter((m) => m.resident)
    .every((m) => Math.abs(m.trendPercent) <= FLAT_PERCENT);
  const lost = byStatus.get("no answer (lost)") ?? 0;
  const report = `## Soak: ${MINUTES} minutes of mixed load on two runtimes

${CLIENTS} clients, each sending a generation (tiny-sd, 4 steps) or a caption (limner-mini)
as soon as its last answer came, for ${MINUTES} minutes; the edge is the deploy bundle on
workerd (\`tests/faults/soak.ts\`, run by \`npm run bench\`). Measured ${new Date().toISOString().slice(0, 10)}.

| kind | answered 200 | p50 ms | p99 ms |
| --- | --- | --- | --- |
${latency("generate")}
${latency("caption")}

Answers by status: ${[...byStatus].map(([status, count]) => `${status}: ${count}`).join(", ")}.
Requests without an HTTP answer (lost): **${lost}**.

Resident memory of each process group and the JS heap of each runtime's main thread, sampled
every ${SAMPLE_MS / 1000} s: the ${WINDOW_MS / 60_000} minutes after a
${Math.round(WARMUP_MS / 1000)} s warm-up against the last ${WINDOW_MS / 60_000} minutes. The floor (the lowest sample, just after a
collection) is what a leak raises; the median also carries the collectors' sawtooth. The trend
is the least-squares slope of the minute-by-minute floors after the warm-up, per 10 minutes.

| process (memory) | floor start MiB | floor end MiB | floor change | floor trend / 10 min | median start MiB | median end MiB | median change |
| --- | --- | --- | --- | --- | --- | --- | --- |
${memoryRows.join("\n")}

Resident memory flat (every floor trend within ${FLAT_PERCENT} % of its level per 10 minutes): **${residentFlat ? "yes" : "no"}**.

External memory of each runtime's main thread when the load ended: ${external.map((mib, i) => `${stack.runtimes[i]?.name} ${mib.toFixed(0)} MiB`).join(", ")}.

Resident memory (MiB) minute by minute from the first request, as floor / median:

| minute | ${processes.map((p) => p.name).join(" | ")} |
| --- | ${processes.map(() => "---").join(" | ")} |
${timeline.map((t) => `| ${t.minute} | ${t.rss.map((v) => `${v.floor.toFixed(0)} / ${v.median.toFixed(0)}`).join(" | ")} |`).join("\n")}
`;
  writeReportSection(join(import.meta.dirname, "../../docs/benchmarks.md"), "soak", report);
  console.log(report);
} finally {
  await stack.stop();
}
