/** `limner.models`: the models the deployment serves. @module */
import { Model, ModelList } from "@limner/contracts";
import { APIResource } from "../core/resource";
import type { RequestOptions } from "../core/transport";

export class Models extends APIResource {
  /** `GET /models`, in OpenAI's list format. */
  list(options?: RequestOptions): Promise<ModelList> {
    return this._transport.json({ method: "GET", path: "/models", ...options }, ModelList);
  }

  /** `GET /models/{id}`; a missing model throws `NotFoundError`. */
  retrieve(id: string, options?: RequestOptions): Promise<Model> {
    return this._transport.json(
      { method: "GET", path: `/models/${encodeURIComponent(id)}`, ...options },
      Model,
    );
  }
}
