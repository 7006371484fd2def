/**
 * `limner keys create|list|revoke`: API key management through the edge's admin API.
 *
 * `create` prints the new key alone on stdout (so `KEY=$(limner keys create --label x)` works)
 * and what was created on stderr; `--json` prints the edge's whole answer instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { AdminClient, ApiKeyInfo, CreateKeyParams } from "../admin-client";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const KEYS_USAGE = `Usage:
  limner keys create --label <label> [--scopes images] [--requests-per-minute N] [--images-per-minute N] [--json]
  limner keys list [--json]
  limner keys revoke <id> [--json]`;

export class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${name} must be a positive integer.`);
  return Number(value);
}

function date(seconds: number | null): string {
  return seconds === null ? "-" : new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

function describeLimits(key: ApiKeyInfo): string {
  const rpm = key.limits.requests_per_minute ?? "default";
  const ipm = key.limits.images_per_minute ?? "default";
  return `${rpm} req/min, ${ipm} img/min`;
}

export async function keysCommand(args: string[], admin: AdminClient, io: Io): Promise<void> {
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
      const requestsPerMinute = positiveInt("requests-per-minute", values["requests-per-minute"]);
      const imagesPerMinute = positiveInt("images-per-minute", values["images-per-minute"]);
      const params: CreateKeyParams = {
        label: values.label,
        ...(values.scopes ? { scopes: values.scopes.split(",").map((s) => s.trim()) } : {}),
        limits: {
          ...(requestsPerMinute ? { requests_per_minute: requestsPerMinute } : {}),
          ...(imagesPerMinute ? { images_per_minute: imagesPerMinute } : {}),
        },
      };
      const created = await admin.createKey(params);
      if (values.json) {
        io.out(JSON.stringify(created, null, 2));
        return;
      }
      io.out(created.key);
      io.err(
        `Created ${created.id} (${created.prefix}…, label "${created.label}", scopes ${created.scopes.join(",")}, ${describeLimits(created)}). The key is shown only once: store it now.`,
      );
      return;
    }
    case "list": {
      const { values } = parseArgs({
        args: rest,
        options: { json: { type: "boolean", default: false } },
      });
      const keys = await admin.listKeys();
      if (values.json) {
        io.out(JSON.stringify(keys, null, 2));
        return;
      }
      if (keys.length === 0) {
        io.err("No keys.");
        return;
      }
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
      return;
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
      const revoked = await admin.revokeKey(id);
      if (values.json) io.out(JSON.stringify(revoked, null, 2));
      else io.out(`Revoked ${revoked.id} (${revoked.prefix}…, "${revoked.label}").`);
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown command: keys ${sub}.` : "keys needs a subcommand.");
  }
}
