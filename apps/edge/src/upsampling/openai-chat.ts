/**
 * The upsampling {@link ChatModel} behind any OpenAI-compatible chat completions endpoint
 * (`POST {url}/chat/completions`).
 *
 * @module
 */
import { z } from "zod";
import type { ChatModel } from "./llm-upsampler";

export interface OpenAiChatOptions {
  /** Base URL, e.g. `https://api.openai.com/v1`. */
  url: string;
  apiKey: string | undefined;
  model: string;
  fetch?: typeof fetch;
}

export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

const ChatCompletion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })),
});

/**
 * @example
 * const chat = openAiChat({ url: "https://api.openai.com/v1", apiKey, model: "gpt-4o-mini" });
 */
export function openAiChat(options: OpenAiChatOptions): ChatModel {
  const fetchImpl = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/+$/, "")}/chat/completions`;
  return async function openAiChatCompletion({ messages, temperature, maxTokens, signal }) {
    const response = await fetchImpl(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: options.model,
        temperature,
        max_tokens: maxTokens,
        messages,
      }),
      signal,
    });
    if (!response.ok) throw new Error(`upsampling endpoint answered ${response.status}`);
    const body = ChatCompletion.safeParse(await response.json());
    const content = body.success ? body.data.choices[0]?.message.content : undefined;
    if (content === undefined) throw new Error("upsampling endpoint sent no message");
    return content;
  };
}
