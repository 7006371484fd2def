/**
 * Chooses and runs the deployment's prompt-upsampling strategy: `model` (the runtime's learned
 * upsampler), `llm` (an OpenAI-compatible endpoint or the Workers AI binding, falling back to
 * `model` on any failure) or `off`. A request's `upsample: false` turns it off. The result is
 * what the image model sees, returned to the user as `revised_prompt`.
 *
 * @module
 */
import type { ImageStyle, RuntimeModel, UpsampleStrategy } from "@limner/contracts";
import type { EdgeConfig, UpsamplingConfig } from "../config";
import type { RuntimePool } from "../runtime/runtime-pool";
import { type ChatModel, upsampleWithLlm } from "./llm-upsampler";
import { openAiChat } from "./openai-chat";
import { workersAiChat } from "./workers-ai-chat";

export interface UpsampleRequest {
  prompt: string;
  style: ImageStyle;
  /** The request's `upsample` field. */
  requested: boolean | undefined;
  model: RuntimeModel;
  requestId: string;
}

export interface UpsampleOutcome {
  revisedPrompt: string;
  strategy: UpsampleStrategy;
}

export async function upsamplePrompt(
  request: UpsampleRequest,
  config: EdgeConfig["upsampling"],
  runtimes: RuntimePool,
  fetchImpl?: typeof fetch,
): Promise<UpsampleOutcome> {
  if (request.requested === false || config.strategy === "off") {
    return { revisedPrompt: request.prompt, strategy: "off" };
  }
  if (config.strategy === "llm") {
    try {
      const revisedPrompt = await upsampleWithLlm(
        request.prompt,
        request.style,
        chatModel(config, fetchImpl),
      );
      return { revisedPrompt, strategy: "llm" };
    } catch (error) {
      console.warn(
        JSON.stringify({
          level: "warn",
          requestId: request.requestId,
          message: `llm upsampling failed, using model: ${(error as Error).message}`,
        }),
      );
    }
  }
  // The learned upsampler ships with the model; a model without one sees the prompt as given.
  if (!request.model.capabilities.includes("upsample")) {
    return { revisedPrompt: request.prompt, strategy: "off" };
  }
  const { revisedPrompt } = await runtimes.call(request.requestId, (runtime) =>
    runtime.upsample.mutate({
      model: request.model.id,
      prompt: request.prompt,
      style: request.style,
    }),
  );
  return { revisedPrompt, strategy: "model" };
}

function chatModel(
  config: Extract<UpsamplingConfig, { strategy: "llm" }>,
  fetchImpl: typeof fetch | undefined,
): ChatModel {
  if (config.provider === "workers-ai") {
    return workersAiChat({ binding: config.binding, model: config.model });
  }
  return openAiChat({
    url: config.url,
    apiKey: config.apiKey,
    model: config.model,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
