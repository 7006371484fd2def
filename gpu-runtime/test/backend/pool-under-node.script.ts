/**
 * Run by `pool-under-node.test.ts` as `node --import tsx pool-under-node.script.ts` to prove the
 * worker entry loads outside vitest too. Prints one JSON line.
 */
import { InferencePool } from "../../src/backend/inference-pool";
import { modelPath, randomTensor } from "./helpers";

const pool = await InferencePool.start({
  workers: 1,
  executionProviders: ["cpu"],
  intraOpThreads: 1,
});
try {
  await pool.loadSession("vae_decoder", modelPath("vae_decoder"));
  const out = await pool.run("vae_decoder", { latent_sample: randomTensor([1, 4, 8, 8], 1) });
  console.log(JSON.stringify({ dims: out.sample?.dims, stats: pool.stats() }));
} finally {
  await pool.close();
}
