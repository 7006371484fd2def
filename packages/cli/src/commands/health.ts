/**
 * `limner health`: the edge's readiness (`/readyz`); exit status 0 only when a runtime could
 * serve a generation now, so scripts and probes can wait on it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Command } from "../command";

export const healthCommand: Command = {
  name: "health",
  summary: "check that the edge and a runtime are ready",
  usage: "Usage: limner health [--json]\n\nNeeds no credentials.",
  async run(args, { io, client }) {
    const { values } = parseArgs({ args, options: { json: { type: "boolean", default: false } } });
    const readiness = await client("none").health.check();
    if (values.json) io.out(JSON.stringify(readiness, null, 2));
    else {
      const { runtime } = readiness;
      io.out(
        `${readiness.status}: runtime ${runtime.status} (version ${runtime.version}, queue ${runtime.queue_depth}, models ${runtime.models.join(",")})`,
      );
    }
    return readiness.status === "ready" ? 0 : 1;
  },
};
