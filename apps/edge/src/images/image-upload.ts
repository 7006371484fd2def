/**
 * An image sent to the edge — multipart `file` or JSON `image` (base64 / data URL) — checked
 * for type and pixel count from its header before it goes anywhere.
 *
 * @module
 */
import { apiError } from "../api-error";
import { readImageHeader } from "./image-header";

/** Larger images are refused from their header (a 4096×4096 image is 16.7 Mpx). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** Throws the OpenAI-style error for a non-image or an oversized one; returns the bytes. */
export function checkUploadedImage(bytes: Uint8Array): Uint8Array {
  const header = readImageHeader(bytes);
  if (!header) {
    throw apiError(
      "invalid_image_format",
      "Invalid image: the upload is not a PNG, JPEG or WebP image.",
      "image",
    );
  }
  if (header.width * header.height > MAX_IMAGE_PIXELS) {
    throw apiError(
      "payload_too_large",
      `The image is ${header.width}×${header.height}; at most ${MAX_IMAGE_PIXELS} pixels are accepted.`,
      "image",
    );
  }
  return bytes;
}
