/**
 * The multipart body of `POST /v1/images/edits` and `/v1/images/variations` as openai-node
 * writes it (`multipartFormRequestOptions`): one `image` file, or several as `image[]`; an
 * optional `mask` file; every other field as text. Files are checked from their headers (type,
 * pixel count) exactly as caption uploads are, and the text fields are validated by the
 * contracts' schemas into OpenAI's error vocabulary.
 *
 * @module
 */
import { MAX_EDIT_IMAGES, parseRequestBody, type UnsupportedFields } from "@limner/contracts";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, apiError } from "../api-error";
import { readImageHeader } from "../images/image-header";
import { checkUploadedImage } from "../images/image-upload";
import { isMultipart } from "../request-body";

/** The files of an edit form, checked; `images[0]` is the one edited. */
export interface EditUploads {
  images: Uint8Array[];
  mask?: Uint8Array;
}

const FILE_FIELDS = new Set(["image", "image[]", "mask"]);

/**
 * Reads and checks the form: the files by header, the text fields with `schema` (refusing the
 * `unsupported` ones by name). `maxImages` 1 refuses `image[]` with more than one file.
 */
export async function readEditForm<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { unsupported: UnsupportedFields; maxImages?: number },
): Promise<{ request: z.output<S>; uploads: EditUploads }> {
  if (!isMultipart(c)) {
    throw apiError(
      "invalid_request",
      "This endpoint takes a multipart/form-data body with the image as a file upload.",
    );
  }
  const form = await c.req.formData().catch(() => {
    throw apiError("invalid_request", "The multipart body could not be parsed.");
  });
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (FILE_FIELDS.has(name)) continue;
    if (typeof value !== "string") {
      throw apiError("invalid_value", `Invalid '${name}': expected text, not a file.`, name);
    }
    fields[name] ??= value;
  }
  const parsed = parseRequestBody(schema, fields, { unsupported: options.unsupported });
  if (!parsed.ok) throw new ApiError(parsed.status, parsed.error);

  const maxImages = options.maxImages ?? MAX_EDIT_IMAGES;
  const files = [...form.getAll("image"), ...form.getAll("image[]")];
  if (files.length === 0) {
    throw apiError(
      "missing_required_parameter",
      "Missing required parameter: 'image' (an image upload).",
      "image",
    );
  }
  if (files.length > maxImages) {
    throw apiError(
      "invalid_value",
      `Invalid 'image': at most ${maxImages} image${maxImages === 1 ? "" : "s"} may be sent, got ${files.length}.`,
      "image",
    );
  }
  const images = await Promise.all(files.map((file) => fileBytes(file, "image")));
  const maskField = form.get("mask");
  const mask = maskField === null ? undefined : await fileBytes(maskField, "mask");
  const [first] = images;
  if (mask && first) {
    // OpenAI: "must have the same dimensions as image"; both headers were read just above.
    const [a, b] = [readImageHeader(first), readImageHeader(mask)];
    if (a && b && (a.width !== b.width || a.height !== b.height)) {
      throw apiError(
        "invalid_value",
        `Invalid 'mask': it is ${b.width}×${b.height} but the image is ${a.width}×${a.height}; they must have the same dimensions.`,
        "mask",
      );
    }
  }
  return { request: parsed.data, uploads: { images, ...(mask ? { mask } : {}) } };
}

/** A checked upload's bytes; errors name `param` (`image` or `mask`). */
async function fileBytes(value: string | Blob, param: string): Promise<Uint8Array> {
  if (typeof value === "string") {
    throw apiError("invalid_value", `Invalid '${param}': expected an image file upload.`, param);
  }
  const bytes = new Uint8Array(await value.arrayBuffer());
  try {
    return checkUploadedImage(bytes);
  } catch (error) {
    if (!(error instanceof ApiError) || param === "image") throw error;
    // The upload check speaks of the `image`; here it is the mask that failed it.
    const { error: body } = error.envelope;
    throw new ApiError(error.status, {
      error: { ...body, param, message: body.message.replace(/image/, param) },
    });
  }
}
