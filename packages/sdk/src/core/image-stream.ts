/**
 * The answer of `images.generate({ stream: true })`: an async iterable of the contracts'
 * `ImageGenerationStreamEvent`s, parsed from server-sent events by `eventsource-parser`, plus
 * {@link ImageStream.finalResult} for callers that only want the images. Like openai-node's
 * `Stream`, it can be iterated once; `controller.abort()` (or the call's `AbortSignal`) stops it.
 *
 * @module
 */
import {
  ErrorEnvelope,
  IMAGE_STREAM_ERROR_EVENT,
  IMAGE_STREAM_EVENT_TYPES,
  type ImageCompletedEvent,
  type ImageGenerationResponse,
  ImageGenerationStreamEvent,
} from "@limner/contracts";
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import { APIError, APIUserAbortError } from "./error";

const KNOWN_EVENTS: ReadonlySet<string> = new Set(Object.values(IMAGE_STREAM_EVENT_TYPES));

export class ImageStream implements AsyncIterable<ImageGenerationStreamEvent> {
  /** Aborting it ends the stream (the iteration then throws `APIUserAbortError`). */
  readonly controller: AbortController;
  readonly response: Response;
  readonly #completed: ImageCompletedEvent[] = [];
  readonly #final: Promise<ImageGenerationResponse>;
  #settle!: { resolve(r: ImageGenerationResponse): void; reject(e: unknown): void };
  #consumed = false;

  constructor(response: Response, controller: AbortController) {
    this.response = response;
    this.controller = controller;
    this.#final = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // Whoever never asks for the final result must not see an unhandled rejection.
    this.#final.catch(() => {});
  }

  /** The request id the edge answered with (same as any error's `requestID`). */
  get requestID(): string | null {
    return this.response.headers.get("x-request-id");
  }

  [Symbol.asyncIterator](): AsyncIterator<ImageGenerationStreamEvent> {
    if (this.#consumed) throw new Error("An ImageStream can be iterated only once.");
    this.#consumed = true;
    return this.#events();
  }

  /**
   * Resolves with the generation in the non-streaming answer's shape once every image's
   * `image_generation.completed` has arrived, whether the caller iterates the stream or not
   * (if nobody does, this reads it).
   */
  finalResult(): Promise<ImageGenerationResponse> {
    if (!this.#consumed) {
      void (async () => {
        try {
          for await (const _ of this) {
            // Drained only for the completed events #events records.
          }
        } catch {
          // Already delivered through #final.
        }
      })();
    }
    return this.#final;
  }

  #result(): ImageGenerationResponse {
    const [first] = this.#completed;
    if (!first)
      throw new APIError(undefined, undefined, "The stream ended without an image.", undefined);
    return {
      created: first.created_at,
      data: this.#completed.map(({ url, b64_json, revised_prompt }) => ({
        ...(url === undefined ? {} : { url }),
        ...(b64_json === undefined ? {} : { b64_json }),
        ...(revised_prompt === undefined ? {} : { revised_prompt }),
      })),
      ...(first.limner ? { limner: first.limner } : {}),
    };
  }

  async *#events(): AsyncGenerator<ImageGenerationStreamEvent> {
    const body = this.response.body;
    if (!body) throw new APIError(this.response.status, undefined, "No stream body.", undefined);
    const reader = body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    let ended = false;
    try {
      for (;;) {
        let next: ReadableStreamReadResult<EventSourceMessage>;
        try {
          next = await reader.read();
        } catch (error) {
          if (this.controller.signal.aborted) throw new APIUserAbortError();
          throw error;
        }
        if (next.done) {
          ended = true;
          this.#settle.resolve(this.#result());
          return;
        }
        const event = this.#parse(next.value);
        if (!event) continue;
        if (event.type === IMAGE_STREAM_EVENT_TYPES.completed) this.#completed.push(event);
        yield event;
      }
    } catch (error) {
      this.#settle.reject(error);
      throw error;
    } finally {
      if (!ended) {
        this.#settle.reject(new APIUserAbortError({ message: "The stream was closed early." }));
        // Stops the download when the caller breaks out of the loop early.
        await reader.cancel().catch(() => {});
      }
    }
  }

  #parse(message: EventSourceMessage): ImageGenerationStreamEvent | undefined {
    const { headers, status } = this.response;
    const name = message.event ?? "message";
    if (name === IMAGE_STREAM_ERROR_EVENT) {
      const envelope = ErrorEnvelope.safeParse(safeJson(message.data));
      if (envelope.success) throw APIError.fromStreamEnvelope(envelope.data, headers);
      throw new APIError(500, undefined, `Stream error: ${message.data.slice(0, 200)}`, headers);
    }
    // Events a newer edge may add are skipped, as OpenAI's clients skip unknown types.
    if (!KNOWN_EVENTS.has(name)) return undefined;
    const parsed = ImageGenerationStreamEvent.safeParse(safeJson(message.data));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new APIError(
        status,
        undefined,
        `Unexpected '${name}' event: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`,
        headers,
      );
    }
    return parsed.data;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
