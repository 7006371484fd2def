/**
 * Starts the stack the way every e2e file needs it: free ports, a fresh API key, a models folder
 * holding exactly the named bundles, logs shown with LIMNER_E2E_LOGS=1 and attached to a
 * start-up failure.
 */
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningStack, randomApiKey, type StackOptions, startStack } from "@limner/dev-stack";

const ROOT = join(import.meta.dirname, "../..");
const BUNDLES = {
  /** diffusers/Optimum layout, random weights: generates. */
  "tiny-sd": join(ROOT, "gpu-runtime/test/fixtures/tiny-sd"),
  /** limner layout with every generation component, random weights: generates and upsamples. */
  "tiny-limner": join(ROOT, "gpu-runtime/test/fixtures/tiny-limner"),
  /** The committed, trained bundle: captions and scores. */
  "limner-mini": join(ROOT, "gpu-runtime/models/limner-mini"),
  /** Manifest only (a weightless judge): can neither generate nor caption. */
  "limner-fixture": join(ROOT, "tests/fixtures/models/limner-fixture"),
};
export type BundleName = keyof typeof BUNDLES;

export function modelsDirWith(names: readonly BundleName[]): string {
  const dir = mkdtempSync(join(tmpdir(), "limner-e2e-models-"));
  for (const name of names) symlinkSync(BUNDLES[name], join(dir, name));
  return dir;
}

export type TestStack = RunningStack & {
  /** Every line the runtime(s) and the edge printed so far. */
  readonly logs: readonly string[];
};

export async function startTestStack(
  models: readonly BundleName[],
  options: Omit<StackOptions, "modelsDir" | "onLog"> = {},
): Promise<TestStack> {
  const logs: string[] = [];
  const stack = await startStack({
    edgePort: 0,
    runtimePort: 0,
    apiKey: randomApiKey(),
    ...options,
    modelsDir: modelsDirWith(models),
    onLog: (line) => {
      logs.push(line);
      if (process.env.LIMNER_E2E_LOGS === "1") console.log(line);
    },
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- last logs ---\n${logs.slice(-40).join("\n")}`);
  });
  return Object.assign(stack, { logs });
}
