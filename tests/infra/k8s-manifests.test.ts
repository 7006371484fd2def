/**
 * infra/k8s is valid with no cluster here (see k8s-manifests.ts for what "valid" means), and the
 * validator is not a rubber stamp: copies broken the ways manifests really break — a misspelt
 * field, a missing probe, a wrong type, a grace period shorter than the drain — fail it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { edgeDeadlineSeconds, validateK8sDir } from "./k8s-manifests";

const K8S_DIR = join(import.meta.dirname, "../../infra/k8s");
const copies: string[] = [];

afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of infra/k8s with one file edited; the edit must change something. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "limner-k8s-"));
  copies.push(dir);
  cpSync(K8S_DIR, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  expect(after, "the edit changed the file").not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

describe("infra/k8s", () => {
  it("validates: every object's schema, no unknown fields, the project's rules", async () => {
    const { manifests, errors } = await validateK8sDir(K8S_DIR);
    expect(errors).toEqual([]);
    expect(manifests.map((m) => m.object.kind).sort()).toEqual([
      "Deployment",
      "Job",
      "Namespace",
      "PersistentVolumeClaim",
      "PodDisruptionBudget",
      "ScaledObject",
      "Secret",
      "Service",
      "ServiceMonitor",
    ]);
  }, 60_000);

  it("the grace period covers the preStop sleep and the edge's deadline", () => {
    expect(edgeDeadlineSeconds()).toBe(300);
  });

  it("fails on a misspelt field", async () => {
    const dir = brokenCopy("runtime-deployment.yaml", (t) =>
      t.replace("terminationGracePeriodSeconds:", "terminationGracePeriodSecond:"),
    );
    const { errors } = await validateK8sDir(dir);
    expect(errors.join("\n")).toMatch(
      /runtime-deployment\.yaml#0 Deployment: fields: .*'terminationGracePeriodSecond' does not exist/,
    );
  }, 60_000);

  it("fails on a misspelt field deep inside a CRD", async () => {
    const dir = brokenCopy("runtime-scaledobject.yaml", (t) =>
      t.replace("stabilizationWindowSeconds: 300", "stabilisationWindowSeconds: 300"),
    );
    const { errors } = await validateK8sDir(dir);
    expect(errors.join("\n")).toMatch(
      /ScaledObject: fields: .*'stabilisationWindowSeconds' does not exist/,
    );
  }, 60_000);

  it("fails on a missing probe", async () => {
    const dir = brokenCopy("runtime-deployment.yaml", (t) =>
      t.replace(/ {10}readinessProbe:\n( {12}.*\n)+/, ""),
    );
    const { errors } = await validateK8sDir(dir);
    expect(errors).toContain(
      "runtime-deployment.yaml#0 Deployment: readinessProbe must GET /readyz (found undefined)",
    );
  }, 60_000);

  it("fails on a wrong type and on a grace period shorter than the drain", async () => {
    const dir = brokenCopy("runtime-deployment.yaml", (t) =>
      t
        .replace("failureThreshold: 60", 'failureThreshold: "sixty"')
        .replace("terminationGracePeriodSeconds: 330", "terminationGracePeriodSeconds: 30"),
    );
    const text = (await validateK8sDir(dir)).errors.join("\n");
    expect(text).toMatch(/Deployment: schema: .*failureThreshold/);
    expect(text).toMatch(
      /terminationGracePeriodSeconds 30 < preStop \+ the edge's deadline \(315 s\)/,
    );
  }, 60_000);

  it("fails when the kustomization lists a file that is not there", async () => {
    const dir = brokenCopy("kustomization.yaml", (t) =>
      t.replace("runtime-pdb.yaml", "runtime-pdb.yml"),
    );
    const { errors } = await validateK8sDir(dir);
    expect(errors.join("\n")).toMatch(/lists runtime-pdb\.yml, which does not exist/);
  }, 60_000);
});
