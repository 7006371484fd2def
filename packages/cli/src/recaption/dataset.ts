/**
 * The images `limner recaption` works through: every image file under a folder (recursively,
 * no alt-text), or the rows of a JSONL file of `{ image, alt_text }` (paths relative to the
 * file) — the shape a scraped image–alt-text dataset comes in. Sorted by path, so every copy of
 * the command (and every `--shard`) sees the same order.
 *
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../io";

export interface DatasetItem {
  /** As written to the manifest: relative to the folder, or as given in the JSONL. */
  image: string;
  /** Where to read it from. */
  path: string;
  /** The original (web) text, when the dataset has one. */
  altText: string | null;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp)$/i;

const JsonlRow = z.object({
  image: z.string().min(1),
  alt_text: z.string().nullable().optional(),
});

export async function readDataset(input: string): Promise<DatasetItem[]> {
  const info = await stat(input);
  const items = info.isDirectory() ? await fromFolder(input) : await fromJsonl(input);
  return items.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
}

async function fromFolder(folder: string): Promise<DatasetItem[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.test(e.name))
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { image: relative(folder, path), path, altText: null };
    });
}

async function fromJsonl(file: string): Promise<DatasetItem[]> {
  const base = dirname(resolve(file));
  const lines = (await readFile(file, "utf8")).split("\n");
  const items: DatasetItem[] = [];
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new UsageError(`${file}:${i + 1} is not JSON.`);
    }
    const row = JsonlRow.safeParse(json);
    if (!row.success)
      throw new UsageError(`${file}:${i + 1} needs {"image": "<path>", "alt_text": "…"}.`);
    if (seen.has(row.data.image))
      throw new UsageError(`${file}:${i + 1} repeats ${row.data.image}.`);
    seen.add(row.data.image);
    items.push({
      image: row.data.image,
      path: resolve(base, row.data.image),
      altText: row.data.alt_text ?? null,
    });
  }
  return items;
}

/** Parses `--shard i/N` (0 ≤ i < N). */
export function parseShard(value: string | undefined): { index: number; count: number } {
  if (value === undefined) return { index: 0, count: 1 };
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new UsageError(`--shard must be i/N with 0 <= i < N, e.g. 0/4 (got '${value}').`);
  }
  return { index, count };
}

/** Shard `index` of `count` takes every count-th item: together the shards cover all, once. */
export function shardOf<T>(items: readonly T[], shard: { index: number; count: number }): T[] {
  return items.filter((_, i) => i % shard.count === shard.index);
}
