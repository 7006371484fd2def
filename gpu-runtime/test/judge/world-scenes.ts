/**
 * Fresh shapes-world renders for the judge tests: `/usr/bin/python3` renders them with the
 * world in `training/world` (seed 900001, "fresh" stream: outside every training range) and
 * the Python judge reads each one, so the TypeScript judge is checked against both.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SceneGraph } from "@limner/contracts";
import sharp from "sharp";
import { z } from "zod";
import type { RgbImage } from "../../src/judge/rgb-image";

const GPU_RUNTIME = resolve(import.meta.dirname, "../..");
const REPO = resolve(GPU_RUNTIME, ".."); // the training package lives at its top level
export const WORLD_SEED = 900_001;

const Entry = z.object({
  file: z.string(),
  bucket: z.enum(["square", "landscape", "portrait"]),
  truth: SceneGraph,
  python: SceneGraph,
  short: z.string(),
  descriptive: z.string(),
  pretty: z.string(),
  swapped: z.string().optional(),
});
export type WorldScene = z.infer<typeof Entry> & { image: RgbImage; swappedImage?: RgbImage };

export async function decodePng(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Renders `count` scenes (buckets cycling) and `swaps` recoloured twins; decodes them all. */
export async function renderWorldScenes(count: number, swaps: number): Promise<WorldScene[]> {
  const out = mkdtempSync(join(tmpdir(), "limner-judge-"));
  const script = join(GPU_RUNTIME, "test", "judge", "render-scenes.py");
  const run = spawnSync(
    "/usr/bin/python3",
    [script, out, String(WORLD_SEED), String(count), String(swaps)],
    { cwd: REPO, encoding: "utf8", env: { ...process.env, PYTHONPATH: REPO } },
  );
  if (run.status !== 0) throw new Error(`render-scenes.py failed: ${run.stderr}`);
  const entries = z.array(Entry).parse(JSON.parse(readFileSync(join(out, "index.json"), "utf8")));
  return Promise.all(
    entries.map(async (entry) => ({
      ...entry,
      image: await decodePng(join(out, entry.file)),
      ...(entry.swapped ? { swappedImage: await decodePng(join(out, entry.swapped)) } : {}),
    })),
  );
}
