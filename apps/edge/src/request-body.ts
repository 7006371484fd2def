/**
 * Reads and validates JSON request bodies against the contracts, turning every failure into
 * the OpenAI error the official clients expect.
 *
 * @module
 */
import { parseRequestBody, type UNSUPPORTED_IMAGE_FIELDS } from "@limner/contracts";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, apiError } from "./api-error";

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(
      "invalid_json",
      "We could not parse the JSON body of your request. Send a JSON object with 'Content-Type: application/json'.",
    );
  }
}

export async function readValidatedJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  unsupported?: typeof UNSUPPORTED_IMAGE_FIELDS,
): Promise<z.output<S>> {
  const result = parseRequestBody(
    schema,
    await readJson(c),
    unsupported ? { unsupported } : undefined,
  );
  if (!result.ok) throw new ApiError(result.status, result.error);
  return result.data;
}
