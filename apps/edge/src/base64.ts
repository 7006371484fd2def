/**
 * Base64 ↔ bytes for the Workers runtime (no Buffer). Invalid base64 is a client error on the
 * parameter that carried it.
 *
 * @module
 */
import { apiError } from "./api-error";

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
