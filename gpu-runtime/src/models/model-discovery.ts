/**
 * Finds model bundles on disk: every sub-folder of the models directory (or each folder named
 * explicitly) holding either a Limner manifest (`model.json`) or a diffusers/Optimum ONNX
 * export (`model_index.json`). A malformed bundle stops start-up with its path, because
 * serving a half-described model would fail later, per request, far from the cause.
 *
 * @module
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import {
  type AspectBucket,
  capabilitiesOf,
  DEFAULT_BUCKETS,
  type RuntimeModel,
} from "@limner/contracts";
import { z } from "zod";
import { BundleManifest } from "./bundle-manifest";
import { readJsonFile } from "./read-json";

export type ModelBundle =
  | { kind: "limner"; dir: string; manifest: BundleManifest; info: RuntimeModel }
  | { kind: "diffusers"; dir: string; info: RuntimeModel };

/** The parts of a diffusers export this runtime needs, validated. */
const DiffusersIndex = z.looseObject({
  _class_name: z.string(),
  text_encoder: z.tuple([z.string().nullable(), z.string().nullable()]),
  unet: z.tuple([z.string().nullable(), z.string().nullable()]),
  vae_decoder: z.tuple([z.string().nullable(), z.string().nullable()]),
});
const UnetConfig = z.looseObject({ sample_size: z.int().positive() });

/** Every bundle in `modelsDir`'s sub-folders, sorted by id; none if the folder is missing. */
export function discoverModels(modelsDir: string): ModelBundle[] {
  const bundles = listFolders(modelsDir).flatMap((dir) => {
    const bundle = readBundle(dir);
    return bundle ? [bundle] : [];
  });
  bundles.sort((a, b) => a.info.id.localeCompare(b.info.id));
  return uniqueIds(bundles, `in ${modelsDir}`);
}

/** The bundles in exactly these folders, in this order; a folder without one is an error. */
export function readBundles(dirs: readonly string[]): ModelBundle[] {
  const bundles = dirs.map((dir) => {
    const bundle = readBundle(dir);
    if (!bundle) throw new Error(`${dir} holds no model bundle (model.json or model_index.json)`);
    return bundle;
  });
  return uniqueIds(bundles, `among ${dirs.join(", ")}`);
}

function readBundle(dir: string): ModelBundle | undefined {
  if (isFile(join(dir, "model.json"))) return readLimnerBundle(dir);
  if (isFile(join(dir, "model_index.json"))) return readDiffusersBundle(dir);
  return undefined;
}

function uniqueIds(bundles: ModelBundle[], where: string): ModelBundle[] {
  const ids = new Set<string>();
  for (const { info } of bundles) {
    if (ids.has(info.id)) throw new Error(`Two model bundles ${where} share the id "${info.id}"`);
    ids.add(info.id);
  }
  return bundles;
}

function listFolders(modelsDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .map((name) => join(modelsDir, name))
    .filter((path) => statSync(path).isDirectory());
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

function createdAt(path: string): number {
  return Math.floor(statSync(path).mtimeMs / 1000);
}

function readLimnerBundle(dir: string): ModelBundle {
  const path = join(dir, "model.json");
  const manifest = readJsonFile(path, BundleManifest);
  return {
    kind: "limner",
    dir,
    manifest,
    info: {
      id: manifest.id,
      version: manifest.version,
      description: manifest.description,
      capabilities: capabilitiesOf(manifest),
      buckets: manifest.buckets ?? [...DEFAULT_BUCKETS],
      created: createdAt(path),
    },
  };
}

function readDiffusersBundle(dir: string): ModelBundle {
  const path = join(dir, "model_index.json");
  const index = readJsonFile(path, DiffusersIndex);
  const unet = readJsonFile(join(dir, "unet", "config.json"), UnetConfig);
  const id = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-");
  return {
    kind: "diffusers",
    dir,
    info: {
      id,
      version: "diffusers",
      description: `${index._class_name} (diffusers/Optimum ONNX export in ${basename(dir)})`,
      capabilities: ["generate"],
      buckets: diffusersBuckets(unet.sample_size * 8),
      created: createdAt(path),
    },
  };
}

/**
 * DALL-E 3's three aspect ratios (1:1, 7:4, 4:7) around the export's native square size, in
 * multiples of 16 pixels so the latent sides stay even (U-Nets halve them).
 */
function diffusersBuckets(side: number): AspectBucket[] {
  const long = Math.round((side * 7) / 4 / 16) * 16;
  return [
    { name: "square", width: side, height: side },
    { name: "landscape", width: long, height: side },
    { name: "portrait", width: side, height: long },
  ];
}
