/**
 * The `data` entries of an OpenAI images response for stored images: the base64 bytes
 * (`response_format: "b64_json"`) or a signed URL to the stored file. Generations and edits both
 * answer through it.
 *
 * @module
 */
import type { GeneratedImage, ResponseFormat } from "@limner/contracts";
import type { StoredFile } from "../generation/generation-records";
import { signFileUrl } from "./signed-url";

export type ImageLink = { b64_json: string } | { url: string };

/** Image i's entry, from `images[i]` and the file it was stored as, `files[i]`. */
export function imageLinks(
  images: readonly GeneratedImage[],
  files: readonly StoredFile[],
  responseFormat: ResponseFormat,
  signing: { origin: string; key: string },
): Promise<ImageLink[]> {
  return Promise.all(
    images.map(async (image, i) =>
      responseFormat === "b64_json"
        ? { b64_json: image.b64 }
        : { url: await signFileUrl(signing.origin, files[i]?.id ?? "", signing.key) },
    ),
  );
}
