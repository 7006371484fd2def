/** `limner.prompts`: prompt upsampling on its own (`POST /prompts/upsample`). @module */
import { type UpsampleRequestInput, UpsampleResponse } from "@limner/contracts";
import { APIResource } from "../core/resource";
import type { RequestOptions } from "../core/transport";

export class Prompts extends APIResource {
  /**
   * Rewrites a short prompt into the descriptive style the image model was trained on, as a
   * generation would, without generating.
   *
   * @example
   * const { revised_prompt } = await limner.prompts.upsample({ prompt: "a red star" });
   */
  upsample(body: UpsampleRequestInput, options?: RequestOptions): Promise<UpsampleResponse> {
    return this._transport.json(
      { method: "POST", path: "/prompts/upsample", body, ...options },
      UpsampleResponse,
    );
  }
}
