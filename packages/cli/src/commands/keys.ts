/**
 * `limner keys create|list|revoke`: API key management through the edge's admin API.
 *
 * `create` prints the new key alone on stdout (so `KEY=$(limner keys create --label x)` works)
 * and what was created on stderr; `--json` prints the edge's whole answer instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ApiKey, CreateKeyRequestInput } from "@limner/sdk";
import { KeyScope, MAX_LIMIT_PER_MINUTE } from "@limner/sdk/contracts";
import { type Command, enumFlag, intFlag } from "../command";
import { UsageError } from "../io";

const USAGE = `Usage:
  limner keys create --label <label> [--scopes images] [--requests-per-minute N] [--images-per-minute N] [--json]
  limner keys list [--json]
  limner keys revoke <id> [--json]

Needs LIMNER_ADMIN_TOKEN (the edge's admin token).`;

function date(seconds: number | null): string {
  return seconds === null ? "-" : new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

function describeLimits(key: ApiKey): string {
  const rpm = key.limits.requests_per_minute ?? "default";
  const ipm = key.limits.images_per_minute ?? "default";
  return `${rpm} req/min, ${ipm} img/min`;
}

export const keysCommand: Command = {
  name: "keys",
  summary: "create, list and revoke API keys (admin)",
  usage: USAGE,
  async run(args, { io, client }) {
    const [sub, ...rest] = args;
    switch (sub) {
      case "create": {
        const { values } = parseArgs({
          args: rest,
          options: {
            label: { type: "string" },
            scopes: { type: "string" },
            "requests-per-minute": { type: "string" },
            "images-per-minute": { type: "string" },
            json: { type: "boolean", default: false },
          },
        });
        if (!values.label) throw new UsageError("keys create needs --label <label>.");
        const perMinute = { min: 1, max: MAX_LIMIT_PER_MINUTE };
        const requestsPerMinute = intFlag(
          "requests-per-minute",
          values["requests-per-minute"],
          perMinute,
        );
        const imagesPerMinute = intFlag(
          "images-per-minute",
          values["images-per-minute"],
          perMinute,
        );
        const body: CreateKeyRequestInput = {
          label: values.label,
          ...(values.scopes
            ? {
                scopes: values.scopes
                  .split(",")
                  .map((scope) => enumFlag("scopes", scope.trim(), KeyScope.options)),
              }
            : {}),
          limits: {
            ...(requestsPerMinute ? { requests_per_minute: requestsPerMinute } : {}),
            ...(imagesPerMinute ? { images_per_minute: imagesPerMinute } : {}),
          },
        };
        const created = await client("adminToken").admin.keys.create(body);
        if (values.json) {
          io.out(JSON.stringify(created, null, 2));
          return 0;
        }
        io.out(created.key);
        io.err(
          `Created ${created.id} (${created.prefix}…, label "${created.label}", scopes ${created.scopes.join(",")}, ${describeLimits(created)}). The key is shown only once: store it now.`,
        );
        return 0;
      }
      case "list": {
        const { values } = parseArgs({
          args: rest,
          options: { json: { type: "boolean", default: false } },
        });
        const keys = (await client("adminToken").admin.keys.list()).data;
        if (values.json) {
          io.out(JSON.stringify(keys, null, 2));
          return 0;
        }
        if (keys.length === 0) io.err("No keys.");
        for (const key of keys) {
          const state = key.revoked_at === null ? "active" : `revoked ${date(key.revoked_at)}`;
          io.out(
            [
              key.id,
              `${key.prefix}…`,
              JSON.stringify(key.label),
              key.scopes.join(","),
              describeLimits(key),
              `created ${date(key.created_at)}`,
              `last used ${date(key.last_used_at)}`,
              state,
            ].join("  "),
          );
        }
        return 0;
      }
      case "revoke": {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { json: { type: "boolean", default: false } },
        });
        const [id] = positionals;
        if (!id || positionals.length > 1)
          throw new UsageError("keys revoke needs exactly one <id>.");
        const revoked = await client("adminToken").admin.keys.revoke(id);
        if (values.json) io.out(JSON.stringify(revoked, null, 2));
        else io.out(`Revoked ${revoked.id} (${revoked.prefix}…, "${revoked.label}").`);
        return 0;
      }
      default:
        throw new UsageError(sub ? `Unknown command: keys ${sub}.` : "keys needs a subcommand.");
    }
  },
};
