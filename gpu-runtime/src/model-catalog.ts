/**
 * Finds model bundles on disk: every sub-folder of the models directory holding a `model.json`
 * manifest. A malformed manifest stops start-up with the file's path, because serving a
 * half-described model would fail later, per request, far from the cause.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  capabilitiesOf,
  DEFAULT_BUCKETS,
  ModelManifest,
  type RuntimeModel,
} from "@limner/contracts";
import type { ModelCatalog } from "./services";

export function loadModelCatalog(modelsDir: string): ModelCatalog {
  const models = findManifests(modelsDir).map((path) => toRuntimeModel(path));
  models.sort((a, b) => a.id.localeCompare(b.id));
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) throw new Error(`Two model bundles in ${modelsDir} share the id "${m.id}"`);
    ids.add(m.id);
  }
  return { list: () => models };
}

function findManifests(modelsDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .map((name) => join(modelsDir, name, "model.json"))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true);
}

function toRuntimeModel(manifestPath: string): RuntimeModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read model manifest ${manifestPath}: ${(error as Error).message}`);
  }
  const parsed = ModelManifest.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`Invalid model manifest ${manifestPath}:\n  ${issues.join("\n  ")}`);
  }
  const manifest = parsed.data;
  return {
    id: manifest.id,
    version: manifest.version,
    description: manifest.description,
    capabilities: capabilitiesOf(manifest),
    buckets: manifest.buckets ?? [...DEFAULT_BUCKETS],
    created: Math.floor(statSync(manifestPath).mtimeMs / 1000),
  };
}
