/**
 * A request a pipeline cannot serve as asked (no such decoder, bucket, …): the caller's
 * mistake, reported as tRPC `BAD_REQUEST` by the router, unlike failures of the machinery.
 *
 * @module
 */
export class PipelineInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PipelineInputError";
  }
}
