/** `limner models`: what the deployment serves, and what each model can do. @module */
import { parseArgs } from "node:util";
import type { Command } from "../command";

export const modelsCommand: Command = {
  name: "models",
  summary: "list the deployment's models",
  usage: "Usage: limner models [--json]\n\nNeeds LIMNER_API_KEY.",
  async run(args, { io, client }) {
    const { values } = parseArgs({ args, options: { json: { type: "boolean", default: false } } });
    const { data } = await client("apiKey").models.list();
    if (values.json) io.out(JSON.stringify(data, null, 2));
    else for (const model of data) io.out(`${model.id}  ${(model.capabilities ?? []).join(",")}`);
    return 0;
  },
};
