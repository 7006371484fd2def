/**
 * Rewrites held-out prompts with a bundle's upsampler exactly as the runtime serves it (the
 * runtime's own pipeline on onnxruntime-node), for the model card's upsampler table:
 * `training.upsampler` writes the prompts, this rewrites them, and the Python side scores the
 * rewrites against the facts each prompt was built with.
 *
 * ```sh
 * cd gpu-runtime && npx tsx eval/upsampler-eval.ts --bundle models/limner-mini \
 *   --prompts prompts.json --out rewrites.json
 * ```
 * Input `{"prompts": [{"prompt": "a red star above a green circle", ...}]}`; output
 * `{"results": [{"text", "model_text", "repair"}], "ms_per_prompt"}` in input order.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { InferencePool } from "../src/backend/inference-pool";
import { loadBundle } from "../src/models/load-bundle";
import type { PromptUpsamplerPipeline } from "../src/pipelines/prompt-upsampler";
import type { Repair } from "../src/prompt-grounding/ground-caption";

const PromptsFile = z.object({ prompts: z.array(z.looseObject({ prompt: z.string() })).min(1) });

export interface UpsamplerEvalResult {
  readonly text: string;
  readonly model_text: string;
  readonly repair: Repair;
}

/** Rewrites every prompt in order with `upsampler`; the mean wall time per prompt. */
export async function rewriteAll(
  upsampler: Pick<PromptUpsamplerPipeline, "upsampleDetailed">,
  prompts: readonly string[],
): Promise<{ results: UpsamplerEvalResult[]; ms_per_prompt: number }> {
  const started = performance.now();
  const results: UpsamplerEvalResult[] = [];
  for (const prompt of prompts) {
    const { text, modelText, repair } = await upsampler.upsampleDetailed(prompt);
    results.push({ text, model_text: modelText, repair });
  }
  return { results, ms_per_prompt: (performance.now() - started) / Math.max(prompts.length, 1) };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bundle: { type: "string" },
      prompts: { type: "string" },
      out: { type: "string" },
      threads: { type: "string", default: "1" },
    },
  });
  if (!values.bundle || !values.prompts || !values.out) {
    throw new Error(
      "usage: upsampler-eval.ts --bundle DIR --prompts FILE --out FILE [--threads N]",
    );
  }
  const { prompts } = PromptsFile.parse(JSON.parse(readFileSync(values.prompts, "utf8")));
  const pool = await InferencePool.start({
    workers: 1,
    executionProviders: ["cpu"],
    intraOpThreads: Number(values.threads),
  });
  try {
    const bundle = await loadBundle(values.bundle, { pool });
    if (!bundle.upsampler) throw new Error(`${values.bundle} has no upsampler`);
    const out = await rewriteAll(
      bundle.upsampler,
      prompts.map((p) => p.prompt),
    );
    await writeFile(values.out, `${JSON.stringify(out)}\n`);
    console.error(
      `upsampler-eval: ${prompts.length} prompts, ${out.ms_per_prompt.toFixed(1)} ms each`,
    );
  } finally {
    await pool.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main(process.argv.slice(2));
}
