import { describe, expect, it } from "vitest";
import { previewSteps } from "../../src/generation/preview-plan";
import { qualitySettings } from "../../src/generation/quality-settings";

describe("previewSteps", () => {
  it("spreads k previews evenly, distinct and increasing, never more than the steps", () => {
    expect(previewSteps(2, 20)).toEqual([7, 14]);
    expect(previewSteps(3, 20)).toEqual([5, 10, 15]);
    expect(previewSteps(1, 1)).toEqual([1]);
    expect(previewSteps(3, 2)).toEqual([1, 2]);
    expect(previewSteps(0, 20)).toEqual([]);
    for (let steps = 1; steps <= 40; steps++) {
      for (let k = 0; k <= 8; k++) {
        const at = previewSteps(k, steps);
        expect(at).toHaveLength(Math.min(k, steps));
        for (const [i, step] of at.entries()) {
          expect(step).toBeGreaterThanOrEqual(1);
          expect(step).toBeLessThanOrEqual(steps);
          if (i > 0) expect(step).toBeGreaterThan(at[i - 1] ?? 0);
        }
      }
    }
  });
});

describe("qualitySettings", () => {
  const defaults = { steps: 20, decoder: "vae" as const };
  it("maps both families' qualities onto one scale of steps and decoder", () => {
    const both = ["vae", "consistency"] as const;
    expect(qualitySettings("low", defaults, both)).toEqual({ steps: 10, decoder: "vae" });
    for (const q of ["standard", "medium", "auto"] as const) {
      expect(qualitySettings(q, defaults, both)).toEqual({ steps: 20, decoder: "vae" });
    }
    for (const q of ["hd", "high"] as const) {
      expect(qualitySettings(q, defaults, both)).toEqual({ steps: 40, decoder: "consistency" });
      expect(qualitySettings(q, defaults, ["vae"])).toEqual({ steps: 40, decoder: "vae" });
    }
    expect(qualitySettings("high", { steps: 80, decoder: "vae" }, both).steps).toBe(100);
    expect(qualitySettings("low", { steps: 1, decoder: "consistency" }, both)).toEqual({
      steps: 1,
      decoder: "vae",
    });
  });
});
