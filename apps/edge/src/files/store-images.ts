/**
 * Puts a runtime's images into R2 (`images/<id>`), with the model, seed and index they came
 * from, for the signed file URLs and for replays. Generations and edits both store through it.
 *
 * @module
 */
import type { GeneratedImage } from "@limner/contracts";
import type { StoredFile } from "../generation/generation-records";

export async function storeImages(
  bucket: R2Bucket,
  result: { model: string; images: readonly GeneratedImage[] },
): Promise<StoredFile[]> {
  return Promise.all(
    result.images.map(async (image) => {
      const id = `img_${crypto.randomUUID()}`;
      const bytes = Uint8Array.from(atob(image.b64), (ch) => ch.charCodeAt(0));
      await bucket.put(`images/${id}`, bytes, {
        httpMetadata: { contentType: image.mimeType },
        customMetadata: {
          model: result.model,
          seed: String(image.seed),
          image_index: String(image.index),
        },
      });
      return {
        id,
        mimeType: image.mimeType,
        width: image.width,
        height: image.height,
        bytes: bytes.byteLength,
      };
    }),
  );
}
