/**
 * Offline validation of infra/k8s, with no cluster: every YAML document is
 *  1. parsed strictly (duplicate keys are errors),
 *  2. checked against the Kubernetes OpenAPI schema of its kind by `kubernetes-models`
 *     (types, required fields, enums, formats; KEDA and Prometheus Operator CRDs through their
 *     `@kubernetes-models/*` packages),
 *  3. checked for fields the schema does not have — a misspelt field would be silently dropped
 *     by a lenient apply — by type-checking it as an object literal against the same package's
 *     TypeScript interfaces, where excess properties are errors, and
 *  4. held to the project's own rules: the probes, drain and GPU requests the runtime needs,
 *     and the references between objects.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

/** apiVersion/kind → the module exporting its model class and `I<Kind>` interface. */
const MODELS: Record<string, string> = {
  "v1/Namespace": "kubernetes-models/v1",
  "v1/Secret": "kubernetes-models/v1",
  "v1/Service": "kubernetes-models/v1",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1",
  "apps/v1/Deployment": "kubernetes-models/apps/v1",
  "batch/v1/Job": "kubernetes-models/batch/v1",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1",
  "monitoring.coreos.com/v1/ServiceMonitor":
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
  "keda.sh/v1alpha1/ScaledObject": "@kubernetes-models/keda/keda.sh/v1alpha1",
};

/** Files in infra/k8s that are not Kubernetes objects. */
const NOT_OBJECTS = new Set(["kustomization.yaml", "prometheus-scrape-config.yaml"]);

export interface Manifest {
  file: string;
  index: number;
  object: Record<string, unknown> & { apiVersion: string; kind: string };
}

export interface ValidationResult {
  manifests: Manifest[];
  errors: string[];
}

const TESTS_DIR = join(import.meta.dirname, "..");
const EDGE_DEADLINE_SOURCE = join(TESTS_DIR, "../apps/edge/src/generation/generate-images.ts");

export async function validateK8sDir(dir: string): Promise<ValidationResult> {
  const errors: string[] = [];
  const manifests: Manifest[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
  for (const file of files.sort()) {
    const text = readFileSync(join(dir, file), "utf8");
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
    for (const [index, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
      if (doc.errors.length > 0) {
        errors.push(...doc.errors.map((e) => `${file}: YAML: ${e.message}`));
        continue;
      }
      const value = doc.toJS() as unknown;
      if (value === null) continue;
      if (NOT_OBJECTS.has(file)) continue;
      if (typeof value !== "object" || !("apiVersion" in value) || !("kind" in value)) {
        errors.push(`${file}#${index}: not a Kubernetes object (no apiVersion/kind)`);
        continue;
      }
      manifests.push({ file, index, object: value as Manifest["object"] });
    }
  }

  for (const m of manifests) errors.push(...(await schemaErrors(m)));
  errors.push(...unknownFieldErrors(manifests));
  errors.push(...kustomizationErrors(dir, files));
  errors.push(...projectRuleErrors(manifests));
  return { manifests, errors };
}

const label = (m: Manifest) => `${m.file}#${m.index} ${m.object.kind}`;

async function schemaErrors(m: Manifest): Promise<string[]> {
  const key = `${m.object.apiVersion}/${m.object.kind}`;
  const module = MODELS[key];
  if (!module) return [`${label(m)}: no schema known for ${key}`];
  const exports = (await import(module)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = exports[m.object.kind];
  if (!Model) return [`${label(m)}: ${module} has no ${m.object.kind}`];
  try {
    new Model(m.object).validate();
    return [];
  } catch (error) {
    return [`${label(m)}: schema: ${(error as Error).message}`];
  }
}

/**
 * Excess-property checking: each manifest becomes `const m: IKind = <its JSON>` in one virtual
 * TypeScript file, and every diagnostic is mapped back to the manifest it came from.
 */
function unknownFieldErrors(manifests: Manifest[]): string[] {
  const known = manifests.filter((m) => MODELS[`${m.object.apiVersion}/${m.object.kind}`]);
  if (known.length === 0) return [];
  const imports = new Map<string, Set<string>>();
  for (const m of known) {
    const module = MODELS[`${m.object.apiVersion}/${m.object.kind}`] ?? "";
    imports.set(module, (imports.get(module) ?? new Set()).add(`I${m.object.kind}`));
  }
  const lines: string[] = [];
  let alias = 0;
  const aliases = new Map<string, string>();
  for (const [module, names] of imports) {
    const specifiers = [...names].map((name) => {
      const local = `T${alias++}`;
      aliases.set(`${module}:${name}`, local);
      return `${name} as ${local}`;
    });
    lines.push(`import type { ${specifiers.join(", ")} } from ${JSON.stringify(module)};`);
  }
  const owners: { from: number; manifest: Manifest }[] = [];
  known.forEach((m, i) => {
    const module = MODELS[`${m.object.apiVersion}/${m.object.kind}`] ?? "";
    owners.push({ from: lines.length, manifest: m });
    const json = JSON.stringify(m.object, null, 2).split("\n");
    lines.push(`export const m${i}: ${aliases.get(`${module}:I${m.object.kind}`)} = ${json[0]}`);
    lines.push(...json.slice(1));
  });
  const fileName = join(TESTS_DIR, "infra/__k8s_manifests__.ts");
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile.call(host, name, languageVersion, ...rest);
  const fileExists = host.fileExists;
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  const program = ts.createProgram([fileName], options, host);
  const target = program.getSourceFile(fileName);
  const diagnostics = [
    ...program.getSyntacticDiagnostics(target),
    ...program.getSemanticDiagnostics(target),
  ];
  return diagnostics.map((d) => {
    const line =
      d.start === undefined || !target ? 0 : target.getLineAndCharacterOfPosition(d.start).line;
    const owner = [...owners].reverse().find((o) => o.from <= line);
    const where = owner ? label(owner.manifest) : "infra/k8s";
    // JSON keys are quoted in the generated literal; name the field as the YAML spells it.
    const message = ts
      .flattenDiagnosticMessageText(d.messageText, " ")
      .replace(/'"([^"]+)"'/g, "'$1'");
    return `${where}: fields: ${message}`;
  });
}

function kustomizationErrors(dir: string, files: string[]): string[] {
  if (!files.includes("kustomization.yaml")) return ["kustomization.yaml is missing"];
  const kustomization = parseAllDocuments(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
  const first = Array.isArray(kustomization) ? kustomization[0] : kustomization;
  const resources = ((first?.toJS() ?? {}) as { resources?: string[] }).resources ?? [];
  return resources
    .filter((r) => !files.includes(r))
    .map(
      (r) => `kustomization.yaml lists ${r}, which does not exist in ${relative(TESTS_DIR, dir)}`,
    );
}

type Obj = Record<string, unknown>;
const get = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (at, key) => (at && typeof at === "object" ? (at as Obj)[key as string] : undefined),
    value,
  );

/** The edge's generation deadline in seconds, read from its source so the two cannot drift. */
export function edgeDeadlineSeconds(): number {
  const source = readFileSync(EDGE_DEADLINE_SOURCE, "utf8");
  const match = /GENERATION_DEADLINE_MS = ([\d_ *]+);/.exec(source);
  if (!match?.[1]) throw new Error("GENERATION_DEADLINE_MS not found in the edge's source");
  const ms = match[1]
    .split("*")
    .map((factor) => Number(factor.trim().replaceAll("_", "")))
    .reduce((a, b) => a * b, 1);
  return ms / 1000;
}

function projectRuleErrors(manifests: Manifest[]): string[] {
  const errors: string[] = [];
  const find = (kind: string, name: string) =>
    manifests.find((m) => m.object.kind === kind && get(m.object, "metadata", "name") === name);
  const deployment = find("Deployment", "limner-runtime");
  if (!deployment) return ["no Deployment named limner-runtime"];
  const pod = get(deployment.object, "spec", "template", "spec") as Obj | undefined;
  const containers = (get(pod, "containers") as Obj[] | undefined) ?? [];
  const runtime = containers.find((c) => c.name === "runtime");
  if (!runtime) return [`${label(deployment)}: no container named runtime`];

  const probe = (name: string, path: string) => {
    const at = get(runtime, name, "httpGet", "path");
    if (at !== path)
      errors.push(`${label(deployment)}: ${name} must GET ${path} (found ${String(at)})`);
  };
  probe("readinessProbe", "/readyz");
  probe("livenessProbe", "/healthz");
  probe("startupProbe", "/readyz");
  const startupBudget =
    Number(get(runtime, "startupProbe", "periodSeconds") ?? 10) *
    Number(get(runtime, "startupProbe", "failureThreshold") ?? 3);
  if (startupBudget < 120) {
    errors.push(
      `${label(deployment)}: startupProbe allows ${startupBudget} s for model loading (< 120 s)`,
    );
  }
  if (get(runtime, "resources", "limits", "nvidia.com/gpu") === undefined) {
    errors.push(`${label(deployment)}: the runtime container must request nvidia.com/gpu`);
  }
  const preStop = Number(get(runtime, "lifecycle", "preStop", "sleep", "seconds") ?? Number.NaN);
  if (!Number.isFinite(preStop))
    errors.push(`${label(deployment)}: no preStop sleep before SIGTERM`);
  const grace = Number(get(pod, "terminationGracePeriodSeconds") ?? 30);
  const needed = (Number.isFinite(preStop) ? preStop : 0) + edgeDeadlineSeconds();
  if (grace < needed) {
    errors.push(
      `${label(deployment)}: terminationGracePeriodSeconds ${grace} < preStop + the edge's deadline (${needed} s): draining work would be killed`,
    );
  }
  const podLabels = (get(deployment.object, "spec", "template", "metadata", "labels") ?? {}) as Obj;
  const selects = (selector: unknown) =>
    selector !== undefined && Object.entries(selector as Obj).every(([k, v]) => podLabels[k] === v);

  const service = find("Service", "limner-runtime");
  if (!service) errors.push("no Service named limner-runtime");
  else if (!selects(get(service.object, "spec", "selector"))) {
    errors.push(`${label(service)}: selector does not match the runtime pods`);
  }
  const pdb = manifests.find((m) => m.object.kind === "PodDisruptionBudget");
  if (!pdb) errors.push("no PodDisruptionBudget for the runtime");
  else if (!selects(get(pdb.object, "spec", "selector", "matchLabels"))) {
    errors.push(`${label(pdb)}: selector does not match the runtime pods`);
  }
  const monitor = manifests.find((m) => m.object.kind === "ServiceMonitor");
  const endpoints = (get(monitor?.object, "spec", "endpoints") as Obj[] | undefined) ?? [];
  const servicePorts = ((get(service?.object, "spec", "ports") as Obj[] | undefined) ?? []).map(
    (p) => p.name,
  );
  if (!endpoints.some((e) => e.path === "/metrics" && servicePorts.includes(e.port))) {
    errors.push("ServiceMonitor: no endpoint scraping /metrics on a port the Service names");
  }
  const scaled = manifests.find((m) => m.object.kind === "ScaledObject");
  if (get(scaled?.object, "spec", "scaleTargetRef", "name") !== "limner-runtime") {
    errors.push("ScaledObject: must scale the limner-runtime Deployment");
  }
  const triggers = (get(scaled?.object, "spec", "triggers") as Obj[] | undefined) ?? [];
  if (
    !triggers.some(
      (t) =>
        t.type === "prometheus" &&
        String(get(t, "metadata", "query")).includes("limner_queue_depth"),
    )
  ) {
    errors.push("ScaledObject: no prometheus trigger on limner_queue_depth");
  }
  const job = manifests.find((m) => m.object.kind === "Job");
  const jobArgs = (
    (get(job?.object, "spec", "template", "spec", "containers", 0, "args") as string[]) ?? []
  ).join(" ");
  const shard = /--shard \$\(([A-Z_]+)\)\/(\d+)/.exec(jobArgs);
  if (get(job?.object, "spec", "completionMode") !== "Indexed" || !shard) {
    errors.push("Job: must be an Indexed Job running `limner recaption --shard $(INDEX)/N`");
  } else if (Number(shard[2]) !== get(job?.object, "spec", "completions")) {
    errors.push(
      `Job: --shard …/${shard[2]} but completions is ${String(get(job?.object, "spec", "completions"))}`,
    );
  }
  return errors;
}
