/**
 * Turns what callers have in hand into a multipart `file` part: a `Blob`/`File`, bytes
 * (`Uint8Array`, which Node's `Buffer` is, or an `ArrayBuffer`), or — in Node — a file path.
 *
 * @module
 */

/** An image to upload. A `string` is a path on disk and works only where `node:fs` exists. */
export type Uploadable = Blob | Uint8Array | ArrayBuffer | string;

export async function toBlob(image: Uploadable): Promise<{ blob: Blob; name: string }> {
  if (typeof image === "string") {
    // Imported on demand, by a computed name, so that browsers and Workers (which never pass a
    // path) never load node:fs, and their bundlers (esbuild, wrangler, vite) never try to.
    const specifier = ["node", "fs/promises"].join(":");
    const { readFile }: typeof import("node:fs/promises") = await import(
      /* @vite-ignore */ specifier
    );
    const bytes = await readFile(image);
    return { blob: new Blob([bytes]), name: image.split(/[\\/]/).pop() || "image" };
  }
  if (image instanceof Blob) {
    return {
      blob: image,
      name: "name" in image && typeof image.name === "string" ? image.name : "image",
    };
  }
  // Copied into a fresh ArrayBuffer: a Buffer may be a view into Node's shared pool.
  const bytes = image instanceof ArrayBuffer ? new Uint8Array(image) : Uint8Array.from(image);
  return { blob: new Blob([bytes]), name: "image" };
}
