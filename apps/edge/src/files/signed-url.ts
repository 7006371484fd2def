/**
 * Signed file URLs: `/v1/files/{id}?expires={unix}&signature={hex}` where the signature is
 * HMAC-SHA256(key, "{id}.{expires}"). Anyone holding the URL may download until it expires
 * (OpenAI's image URLs behave the same, for 60 minutes), without an API key.
 *
 * @module
 */

export const URL_LIFETIME_SECONDS = 60 * 60;

async function hmacHex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(message));
  return [...new Uint8Array(signature)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signFileUrl(
  origin: string,
  id: string,
  key: string,
  now = Date.now(),
): Promise<string> {
  const expires = Math.floor(now / 1000) + URL_LIFETIME_SECONDS;
  const signature = await hmacHex(key, `${id}.${expires}`);
  return `${origin}/v1/files/${encodeURIComponent(id)}?expires=${expires}&signature=${signature}`;
}

export type SignatureCheck = "valid" | "expired" | "invalid";

export async function checkFileSignature(
  id: string,
  expires: string | undefined,
  signature: string | undefined,
  key: string,
  now = Date.now(),
): Promise<SignatureCheck> {
  if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature))
    return "invalid";
  const expected = await hmacHex(key, `${id}.${expires}`);
  // Compare digests in constant time: the length is fixed and every byte is visited.
  let difference = 0;
  for (let i = 0; i < expected.length; i++)
    difference |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  if (difference !== 0) return "invalid";
  return Number(expires) * 1000 < now ? "expired" : "valid";
}
