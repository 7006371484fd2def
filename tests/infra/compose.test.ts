/**
 * infra/compose is checked without Docker: the compose file parses, builds the images from
 * Dockerfiles that exist, publishes one port (the edge's), keeps state on a declared volume at
 * the path the edge image stores it, wires the edge to the runtime by service name and port,
 * and runs in the edge container the very entry point `npm run serve:selfhost` runs (which
 * tests/e2e/selfhost.test.ts drives).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDockerfile } from "./dockerfile-rules";

const ROOT = join(import.meta.dirname, "../..");
const COMPOSE_DIR = join(ROOT, "infra/compose");
const read = (path: string) => readFileSync(path, "utf8");

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  deploy?: unknown;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read(join(COMPOSE_DIR, "compose.yaml")), { uniqueKeys: true }) as ComposeFile;
const { runtime, edge } = compose.services;

function dockerfileOf(service: Service | undefined) {
  expect(service?.build).toBeDefined();
  const path = resolve(
    COMPOSE_DIR,
    service?.build?.context ?? "",
    service?.build?.dockerfile ?? "",
  );
  expect(existsSync(path), path).toBe(true);
  return parseDockerfile(read(path));
}

function finalStage(service: Service | undefined) {
  const { stages, globalArgs } = dockerfileOf(service);
  const final = stages.at(-1);
  const all = (keyword: string) =>
    (final?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
  return { all, globalArgs };
}

describe("infra/compose/compose.yaml", () => {
  it("has exactly the runtime and the edge, both built from this repository", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["edge", "runtime"]);
    expect(resolve(COMPOSE_DIR, runtime?.build?.context ?? "")).toBe(resolve(ROOT));
    expect(runtime?.build?.dockerfile).toBe("gpu-runtime/Dockerfile");
    expect(edge?.build?.dockerfile).toBe("infra/compose/edge.Dockerfile");
    expect(runtime?.image).toMatch(/^limner-runtime:/);
    expect(edge?.image).toMatch(/^limner-edge:/);
  });

  it("publishes one port, the edge's, and the runtime none", () => {
    expect(runtime?.ports).toBeUndefined();
    expect(edge?.ports).toHaveLength(1);
    const containerPort = edge?.ports?.[0]?.split(":").at(-1);
    const { all } = finalStage(edge);
    expect(all("EXPOSE")).toEqual([containerPort]);
    expect(all("ENV").join(" ")).toContain(`LIMNER_PORT=${containerPort}`);
  });

  it("reaches the runtime by service name on the port its image listens on", () => {
    const url = new URL(edge?.environment?.LIMNER_RUNTIME_URLS ?? "");
    expect(url.hostname).toBe("runtime");
    const { all } = finalStage(runtime);
    expect(all("EXPOSE")).toEqual([url.port]);
    expect(runtime?.expose).toEqual([url.port]);
    // The edge waits for the runtime's own HEALTHCHECK (/readyz: models loaded).
    expect(all("HEALTHCHECK").join(" ")).toContain("/readyz");
    expect(edge?.depends_on?.runtime?.condition).toBe("service_healthy");
  });

  it("shares one required service token and keeps state on a declared volume", () => {
    for (const service of [runtime, edge]) {
      expect(service?.environment?.LIMNER_SERVICE_TOKEN).toMatch(/^\$\{LIMNER_SERVICE_TOKEN:\?/);
    }
    const [mount] = edge?.volumes ?? [];
    const [volume, path] = (mount ?? "").split(":");
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    const { all } = finalStage(edge);
    expect(all("ENV").join(" ")).toContain(`LIMNER_DATA_DIR=${path}`);
    expect(all("VOLUME")).toContain(path);
    expect(runtime?.volumes).toBeUndefined();
  });

  it("gives the runtime's drain the edge's deadline before it is killed", () => {
    expect(Number.parseInt(runtime?.stop_grace_period ?? "0", 10)).toBeGreaterThanOrEqual(300);
  });

  it("runs in the edge container what npm run serve:selfhost runs", () => {
    const pkg = JSON.parse(read(join(ROOT, "package.json"))) as { scripts: Record<string, string> };
    const entry = pkg.scripts["serve:selfhost"]?.split(" ").at(-1);
    expect(entry).toBe("packages/selfhost/src/serve-selfhost.ts");
    expect(finalStage(edge).all("CMD")).toEqual([`["node", "--import", "tsx", "${entry}"]`]);
  });

  it("documents every variable it interpolates in .env.example", () => {
    const text = read(join(COMPOSE_DIR, "compose.yaml"));
    const used = new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    const example = read(join(COMPOSE_DIR, ".env.example"));
    for (const name of used) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, "m"));
  });

  it("the GPU override only adds to the runtime", () => {
    const gpu = parse(read(join(COMPOSE_DIR, "compose.gpu.yaml"))) as ComposeFile;
    expect(Object.keys(gpu.services)).toEqual(["runtime"]);
    expect(gpu.services.runtime?.environment?.LIMNER_EXECUTION_PROVIDERS).toBe("cuda,cpu");
    expect(JSON.stringify(gpu.services.runtime?.deploy)).toContain('"driver":"nvidia"');
  });
});
