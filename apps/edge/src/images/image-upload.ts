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

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function base64ToBytes(input: string): Uint8Array {
  const base64 = input.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, "").replace(/\s+/g, "");
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    throw apiError(
      "invalid_value",
      "'image' must be base64 or a data:image/…;base64, URL.",
      "image",
    );
  }
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunks keep String.fromCharCode's argument list within engine limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Throws the OpenAI-style error for a non-image or an oversized one; returns the bytes. */
export function checkUploadedImage(bytes: Uint8Array): Uint8Array {
  const header = readImageHeader(bytes);
  if (!header) {
    throw apiError(
      "unsupported_media_type",
      "The upload is not a PNG, JPEG or WebP image.",
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
