/**
 * The images' Dockerfiles keep their rules (pipefail, pinned bases, a final stage without build
 * tools, non-root, a health check, the CUDA provider matching onnxruntime-node), read as text
 * because there is no Docker engine here — and the reader catches each rule broken.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerfileErrors, parseDockerfile } from "./dockerfile-rules";

const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const RUNTIME = read("gpu-runtime/Dockerfile");

describe("gpu-runtime/Dockerfile", () => {
  it("keeps every rule", () => {
    expect(dockerfileErrors(RUNTIME, { healthPath: "/readyz" })).toEqual([]);
  });

  it("installs the CUDA provider of exactly the onnxruntime-node release the runtime depends on", () => {
    const pkg = JSON.parse(read("gpu-runtime/package.json")) as {
      dependencies: Record<string, string>;
    };
    const version = pkg.dependencies["onnxruntime-node"];
    // An exact version in package.json, so "the same release" is well defined.
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const { globalArgs, stages } = parseDockerfile(RUNTIME);
    expect(globalArgs.get("ONNXRUNTIME_NODE_VERSION")).toBe(version);
    const deps = stages.find((s) => s.name === "deps");
    const run = deps?.instructions.find((i) => i.keyword === "RUN")?.args ?? "";
    expect(run).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node");
    // The build stops on a version mismatch and on a missing provider library.
    expect(run).toMatch(/"\$installed" != "\$ONNXRUNTIME_NODE_VERSION".*exit 1/);
    expect(run).toContain("libonnxruntime_providers_cuda.so");
  });

  it("runs as the uid the Kubernetes manifests expect", () => {
    const final = parseDockerfile(RUNTIME).stages.at(-1);
    const user = final?.instructions.filter((i) => i.keyword === "USER").at(-1)?.args;
    expect(user).toBe("10001:10001");
    expect(read("infra/k8s/runtime-deployment.yaml")).toContain("runAsUser: 10001");
  });

  it("is caught breaking each rule", () => {
    const errorsFor = (edit: (t: string) => string) =>
      dockerfileErrors(edit(RUNTIME), { healthPath: "/readyz" }).join("\n");
    const noPipefail = (t: string) => t.replace(/^SHELL .*$/gm, "");
    expect(errorsFor(noPipefail)).toMatch(/RUN on line \d+ without SHELL/);
    expect(
      errorsFor((t) =>
        t.replace(/(FROM \S+ AS runtime\n)/, "$1RUN apt-get update && apt-get install -y curl\n"),
      ),
    ).toMatch(/final stage: RUN on line \d+ uses build tooling \(apt-get\)/);
    expect(
      errorsFor((t) => t.replace("node:20.20.2-bookworm-slim", "node:20-bookworm-slim")),
    ).toMatch(/base image "node:20-bookworm-slim" is not pinned/);
    // Build tools inherited from an earlier stage count too.
    expect(errorsFor((t) => t.replace(/FROM \S+ AS runtime/, "FROM deps AS runtime"))).toMatch(
      /final stage: RUN on line \d+ uses build tooling \(npm ci\)/,
    );
    expect(errorsFor((t) => t.replace("USER 10001:10001", "USER root"))).toMatch(/non-root USER/);
    expect(errorsFor((t) => t.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ""))).toMatch(
      /no HEALTHCHECK/,
    );
  });
});

describe("the other images", () => {
  it("infra/compose/edge.Dockerfile keeps the same rules", () => {
    expect(
      dockerfileErrors(read("infra/compose/edge.Dockerfile"), { healthPath: "/healthz" }),
    ).toEqual([]);
  });

  it("infra/k8s/cli.Dockerfile pins, uses pipefail and runs non-root", () => {
    const errors = dockerfileErrors(read("infra/k8s/cli.Dockerfile"), { healthPath: "" });
    // A one-shot CLI has no server to health-check; its final stage installs the packed
    // tarballs with npm, which is the point of that stage.
    expect(errors.filter((e) => !e.includes("npm install"))).toEqual([]);
  });
});

describe(".dockerignore", () => {
  it("keeps training runs, installed packages and local state out of every build context", () => {
    const lines = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    for (const pattern of [
      "**/node_modules",
      "training/runs",
      "**/.wrangler",
      ".git",
      ".limner-selfhost",
    ]) {
      expect(lines).toContain(pattern);
    }
  });
});
