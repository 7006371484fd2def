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

/** Whether the request carries a multipart upload (else it is JSON). */
export function isMultipart(c: Context): boolean {
  return (c.req.header("content-type") ?? "").startsWith("multipart/form-data");
}

/** A multipart body's fields and its required `file` upload, refused in the API's vocabulary. */
export async function readUploadForm(c: Context): Promise<{ form: FormData; file: Blob }> {
  const form = await c.req.formData().catch(() => {
    throw apiError("invalid_request", "The multipart body could not be parsed.");
  });
  const file: unknown = form.get("file");
  if (typeof file === "string" || !(file instanceof Blob)) {
    throw apiError(
      "missing_required_parameter",
      "Missing required parameter: 'file' (an image upload).",
      "file",
    );
  }
  return { form, file };
}
