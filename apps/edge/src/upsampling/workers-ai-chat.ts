/**
 * The upsampling {@link ChatModel} behind Cloudflare's Workers AI binding: a text-generation
 * model takes `{ messages, max_tokens, temperature }` and answers `{ response: string }`
 * (https://developers.cloudflare.com/workers-ai/models/llama-3.1-8b-instruct/).
 *
 * @module
 */
import { z } from "zod";
import type { ChatMessage, ChatModel } from "./llm-upsampler";

/**
 * The part of the `Ai` binding this file uses, typed here rather than with the full generated
 * model list so that tests can hand in a fake with the same shape.
 */
export interface WorkersAiBinding {
  run(
    model: string,
    input: { messages: ChatMessage[]; max_tokens: number; temperature: number },
    options?: { signal?: AbortSignal },
  ): Promise<unknown>;
}

export interface WorkersAiChatOptions {
  binding: WorkersAiBinding;
  model: string;
}

export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct";

const TextGeneration = z.object({ response: z.string() });

/**
 * @example
 * const chat = workersAiChat({ binding: env.AI, model: DEFAULT_WORKERS_AI_MODEL });
 */
export function workersAiChat(options: WorkersAiChatOptions): ChatModel {
  return async function workersAiTextGeneration({ messages, temperature, maxTokens, signal }) {
    const result = await options.binding.run(
      options.model,
      { messages, max_tokens: maxTokens, temperature },
      { signal },
    );
    const body = TextGeneration.safeParse(result);
    if (!body.success) throw new Error("Workers AI sent no text response");
    return body.data.response;
  };
}
