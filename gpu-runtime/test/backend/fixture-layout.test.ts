import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TINY_SD } from "./helpers";

const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(TINY_SD, path), "utf8"));

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const path = join(dir, name);
    return sum + (statSync(path).isDirectory() ? folderBytes(path) : statSync(path).size);
  }, 0);
}

describe("tiny-sd fixture: diffusers/Optimum ONNX layout", () => {
  it("has the pipeline index and component folders", () => {
    const index = json("model_index.json");
    expect(index._class_name).toBe("OnnxStableDiffusionPipeline");
    expect(index.tokenizer).toEqual(["transformers", "CLIPTokenizer"]);
    expect(index.scheduler).toEqual(["diffusers", "PNDMScheduler"]);
    for (const component of ["text_encoder", "unet", "vae_decoder"]) {
      expect(index[component]).toEqual(["onnxruntime", "OnnxRuntimeModel"]);
      expect(existsSync(join(TINY_SD, component, "model.onnx"))).toBe(true);
    }
    for (const file of ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"]) {
      expect(existsSync(join(TINY_SD, "tokenizer", file))).toBe(true);
    }
  });

  it("ships SD 1.5's scheduler config and the VAE scaling factor", () => {
    expect(json("scheduler/scheduler_config.json")).toMatchObject({
      _class_name: "PNDMScheduler",
      beta_schedule: "scaled_linear",
      beta_start: 0.00085,
      beta_end: 0.012,
      num_train_timesteps: 1000,
      steps_offset: 1,
      skip_prk_steps: true,
    });
    expect(json("vae_decoder/config.json")).toMatchObject({
      latent_channels: 4,
      scaling_factor: 0.18215,
    });
  });

  it("stays small (≤ 1 MB)", () => {
    expect(folderBytes(TINY_SD)).toBeLessThanOrEqual(1024 * 1024);
  });
});
