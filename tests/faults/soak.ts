/**
 * `npm run bench` (tests workspace), after the edge-overhead bench: the soak. Ten minutes
 * (`SOAK_MINUTES`) of mixed load — generations and captions, 8 clients — against two runtimes
 * behind the edge (deploy bundle on workerd). Reports p50/p99 latency per kind, answers by
 * status, requests that got no HTTP answer at all (lost), and the resident memory of each
 * process group (runtime 1, runtime 2, edge) at the start and the end, sampled after a warm-up
 * minute so start-up allocations do not count as growth. Not in CI: it is a bench.
 * Writes its section of docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { writeReportSection } from "@limner/dev-stack";
import sharp from "sharp";
import { startTestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, type Outcome, sleep } from "./fault-helpers";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CLIENTS = 8;
const WARMUP_MS = Math.min(60_000, (MINUTES * 60_000) / 5);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

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
  // Resident memory every minute from the start: a leak climbs steadily to the end, while
  // memory that settles (sessions loaded on first use, ONNX arenas sized by the largest batch)
  // levels off.
  const timeline: { minute: number; rss: number[] }[] = [];
  const sampler = (async () => {
    for (let minute = 0; Date.now() < endAt; minute++) {
      timeline.push({ minute, rss: processes.map((p) => groupRssMiB(p.pid())) });
      await sleep(Math.min(60_000, Math.max(0, endAt - Date.now())));
    }
  })();
  await sleep(WARMUP_MS);
  const rssStart = processes.map((p) => groupRssMiB(p.pid()));
  await Promise.all(clients);
  await sampler;
  const rssEnd = processes.map((p) => groupRssMiB(p.pid()));
  timeline.push({ minute: MINUTES, rss: rssEnd });

  const byStatus = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.status === 0 ? "no answer (lost)" : String(o.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  const latency = (kind: string) => {
    const ms = outcomes.filter((o) => o.kind === kind && o.status === 200).map((o) => o.at);
    return `| ${kind} | ${ms.length} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 99).toFixed(0)} |`;
  };
  const rssRows = processes.map((p, i) => {
    const a = rssStart[i] ?? 0;
    const b = rssEnd[i] ?? 0;
    return `| ${p.name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(((b - a) / a) * 100).toFixed(1)} % |`;
  });
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

Resident memory of each process group, after a ${Math.round(WARMUP_MS / 1000)} s warm-up and at the end:

| process | start MiB | end MiB | change |
| --- | --- | --- | --- |
${rssRows.join("\n")}

Resident memory (MiB) minute by minute, from the first request:

| minute | ${processes.map((p) => p.name).join(" | ")} |
| --- | ${processes.map(() => "---").join(" | ")} |
${timeline.map((t) => `| ${t.minute} | ${t.rss.map((v) => v.toFixed(0)).join(" | ")} |`).join("\n")}
`;
  writeReportSection(join(import.meta.dirname, "../../docs/benchmarks.md"), "soak", report);
  console.log(report);
} finally {
  await stack.stop();
}
