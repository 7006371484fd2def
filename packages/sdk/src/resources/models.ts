/** `limner.models`: the models the deployment serves. @module */
import { Model, ModelList } from "@limner/contracts";
import type { Limner, RequestOptions } from "../client";

export class Models {
  readonly #client: Limner;

  constructor(client: Limner) {
    this.#client = client;
  }

  /** `GET /models`, in OpenAI's list format. */
  list(options?: RequestOptions): Promise<ModelList> {
    return this.#client.request("GET", "/models", ModelList, undefined, options);
  }

  /** `GET /models/{id}`; a missing model throws `NotFoundError`. */
  retrieve(id: string, options?: RequestOptions): Promise<Model> {
    return this.#client.request(
      "GET",
      `/models/${encodeURIComponent(id)}`,
      Model,
      undefined,
      options,
    );
  }
}
