/**
 * The recaptioned training manifest: JSON Lines, one row per image, append-only. Each row is
 * written whole in one `write` on a file opened for appending, and rows are written one at a
 * time, so a kill leaves at most one torn last line; resuming cuts that line off and skips
 * every image that already has a row, so no image is captioned twice.
 *
 * @module
 */
import { type FileHandle, open, readFile, truncate } from "node:fs/promises";
import { z } from "zod";

/** One manifest row: both synthetic captions, the original text, and the blend's pick. */
export const ManifestRow = z.object({
  image: z.string(),
  alt_text: z.string().nullable(),
  short_caption: z.string(),
  descriptive_caption: z.string(),
  /** The text to train on: the descriptive caption, or (the blend's remainder) the original. */
  caption: z.string(),
  caption_source: z.enum(["descriptive", "original"]),
  model: z.string(),
});
export type ManifestRow = z.infer<typeof ManifestRow>;

/** Reads the rows already written, cutting off a torn last line left by a kill. */
export async function resumeManifest(path: string): Promise<ManifestRow[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return [];
    throw error;
  }
  const complete = text.lastIndexOf("\n") + 1;
  if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
  const rows: ManifestRow[] = [];
  for (const line of text.slice(0, complete).split("\n")) {
    if (!line) continue;
    rows.push(ManifestRow.parse(JSON.parse(line)));
  }
  return rows;
}

export class ManifestWriter {
  readonly #handle: FileHandle;
  #queue: Promise<void> = Promise.resolve();

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<ManifestWriter> {
    return new ManifestWriter(await open(path, "a"));
  }

  /** Appends one row; rows from concurrent workers are serialised, never interleaved. */
  append(row: ManifestRow): Promise<void> {
    const line = `${JSON.stringify(row)}\n`;
    this.#queue = this.#queue.then(async () => {
      await this.#handle.write(line);
    });
    return this.#queue;
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {});
    await this.#handle.close();
  }
}
