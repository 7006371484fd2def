/**
 * The SDK and the CLI as npm users get them: `npm pack`ed tarballs installed with `npm install`
 * into a fresh project outside this repo, then run under plain `node` (no tsx, no workspace
 * links) against a real stack: generate, stream, caption, upsample, list models, and the CLI's
 * generate, caption and eval (on the suite the CLI ships), and the SDK README's quick start as
 * written. The project's TypeScript check proves the shipped `.d.ts` types work through the
 * `exports` map — the edge router's type included, so `@limner/sdk/trpc` is typed end to end
 * where neither the edge's source nor Hono nor the Workers types exist. Dependencies come from npm's cache (`--prefer-offline`), which
 * `npm ci` filled.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

const ROOT = join(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const exec = promisify(execFile);
let stack: TestStack;
let project: string;

/** The environment of a user's shell: none of the npm variables `npm run` sets for this repo. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(name) && !name.startsWith("LIMNER_"))
      env[name] = value;
  }
  return { ...env, ...extra };
}

beforeAll(async () => {
  const packs = mkdtempSync(join(tmpdir(), "limner-packs-"));
  // `prepack` builds each package's dist/ first, as `npm publish` would.
  await exec(
    "npm",
    ["pack", "--pack-destination", packs, "-w", "@limner/sdk", "-w", "@limner/cli"],
    {
      cwd: ROOT,
      env: userEnv(),
    },
  );
  project = mkdtempSync(join(tmpdir(), "limner-user-project-"));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "limner-user", private: true, type: "module" }),
  );
  await exec(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      join(packs, "limner-sdk-0.1.0.tgz"),
      join(packs, "limner-cli-0.1.0.tgz"),
    ],
    { cwd: project, env: userEnv() },
  );
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-limner", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

const APP = `
import { readFileSync } from "node:fs";
import { AuthenticationError, Limner } from "@limner/sdk";

const limner = new Limner({ baseURL: process.env.LIMNER_BASE_URL, apiKey: process.env.LIMNER_API_KEY });
const stream = await limner.images.generate({
  prompt: "a red star above a blue circle", stream: true, steps: 3, seed: 5, response_format: "b64_json",
});
const events = [];
for await (const event of stream) events.push(event.type);
const streamed = await stream.finalResult();
const plain = await limner.images.generate({ prompt: "a red star above a blue circle", steps: 3, seed: 5, response_format: "b64_json" });
const png = Buffer.from(plain.data[0].b64_json, "base64");
const caption = await limner.images.caption({ image: png, model: "limner-mini", detail: "short" });
const upsampled = await limner.prompts.upsample({ prompt: "a red star" });
const models = await limner.models.list();
const wrong = new Limner({ baseURL: process.env.LIMNER_BASE_URL, apiKey: "lmn_wrongwrongwrongwrong" });
const error = await wrong.models.list().catch((e) => e);
console.log(JSON.stringify({
  events,
  sameImage: streamed.data[0].b64_json === plain.data[0].b64_json,
  revised: plain.data[0].revised_prompt,
  pngSignature: png.subarray(1, 4).toString(),
  caption: caption.caption,
  upsampled: upsampled.revised_prompt,
  models: models.data.map((m) => m.id),
  error: [error instanceof AuthenticationError, error.status, error.code, typeof error.requestID],
}));
`;

const TYPED_APP = `
import { Limner, type ImageGenerationStreamEvent, type ModelList, type ScoreResponse } from "@limner/sdk";
import { ImageSize } from "@limner/sdk/contracts";
import { createLimnerTRPCClient, type EdgeRouter } from "@limner/sdk/trpc";

const limner = new Limner({ apiKey: "lmn_typecheckonlytypecheckonly" });
export async function run(): Promise<string[]> {
  const sizes: string[] = ImageSize.options;
  const stream = await limner.images.generate({ prompt: "x", stream: true, seed: 1 });
  for await (const event of stream) {
    const e: ImageGenerationStreamEvent = event;
    if (e.type === "limner.progress") sizes.push(String(e.total_steps));
  }
  // @ts-expect-error — not a size the contracts allow
  await limner.images.generate({ prompt: "x", size: "512x512" });
  // @ts-expect-error — no such field
  await limner.prompts.upsample({ prompt: "x", temperature: 1 });
  return sizes;
}

// The edge's router type ships in the SDK: no type argument, no edge source.
const trpc = createLimnerTRPCClient({ apiKey: "lmn_typecheckonlytypecheckonly" });
export async function viaTRPC(): Promise<number> {
  const models: ModelList = await trpc.models.query();
  const scored: ScoreResponse = await trpc.score.mutate({ image: "iVBORw0KGgo=", prompt: "a star" });
  const bound: number | null = scored.scores.colour_binding;
  for await (const event of await trpc.generate.mutate({ prompt: "x", seed: 1 })) {
    const e: ImageGenerationStreamEvent = event;
    // @ts-expect-error — a stream event has no \`progress\` field (it is \`step\` on limner.progress)
    void e.progress;
  }
  // @ts-expect-error — \`size\` must be one of the contracts' ImageSize values
  await trpc.generate.mutate({ prompt: "x", size: "512x512" });
  // @ts-expect-error — UpsampleRequest has no \`temperature\`
  await trpc.upsample.mutate({ prompt: "x", temperature: 1 });
  // @ts-expect-error — ScoreRequest needs the prompt to score against
  await trpc.score.mutate({ image: "iVBORw0KGgo=" });
  // @ts-expect-error — the answer is snake_case: \`scene_graph\`
  void scored.sceneGraph;
  // @ts-expect-error — the router has no such procedure
  await trpc.modelz.query();
  const router: EdgeRouter | undefined = undefined;
  void router;
  return models.data.length + (bound ?? 0);
}
`;

describe("the packed @limner/sdk and @limner/cli in a project outside the repo", () => {
  it("type-checks a TypeScript consumer against the shipped .d.ts", async () => {
    writeFileSync(join(project, "typed-app.ts"), TYPED_APP);
    // A user's strict Node setup; skipLibCheck off, so the shipped .d.ts are checked too.
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: "nodenext",
      moduleResolution: "nodenext",
      // tRPC's own declarations (the typed client's) use `Disposable`.
      lib: ["es2023", "esnext.disposable", "dom"],
      types: [],
      skipLibCheck: false,
    };
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions, files: ["typed-app.ts"] }),
    );
    await exec(process.execPath, [TSC, "-p", "."], { cwd: project }).catch(
      (error: { stdout: string }) => {
        throw new Error(`tsc failed:\n${error.stdout}`);
      },
    );
  });

  it("generates, streams, captions and upsamples under plain node", {
    timeout: 120_000,
  }, async () => {
    writeFileSync(join(project, "app.mjs"), APP);
    const { stdout } = await exec(process.execPath, ["app.mjs"], {
      cwd: project,
      env: userEnv({ LIMNER_BASE_URL: `${stack.edgeUrl}/v1`, LIMNER_API_KEY: stack.apiKey }),
    });
    const result = JSON.parse(stdout);
    expect(result.events[0]).toBe("limner.queued");
    expect(result.events.filter((e: string) => e === "limner.progress")).toHaveLength(3);
    expect(result.events.at(-1)).toBe("image_generation.completed");
    expect(result.sameImage).toBe(true);
    expect(result.pngSignature).toBe("PNG");
    expect(result.revised.length).toBeGreaterThan(0);
    expect(result.caption.length).toBeGreaterThan(0);
    expect(result.upsampled.length).toBeGreaterThan(0);
    expect(result.models).toEqual(expect.arrayContaining(["tiny-limner", "limner-mini"]));
    expect(result.error).toEqual([true, 401, "invalid_api_key", "string"]);
  });

  it("runs the SDK README's quick start as written", { timeout: 120_000 }, async () => {
    const readme = readFileSync(join(ROOT, "packages/sdk/README.md"), "utf8");
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(example).toContain("@limner/sdk");
    writeFileSync(join(project, "readme-example.mjs"), example);
    const { stdout } = await exec(process.execPath, ["readme-example.mjs"], {
      cwd: project,
      env: userEnv({ LIMNER_BASE_URL: `${stack.edgeUrl}/v1`, LIMNER_API_KEY: stack.apiKey }),
    });
    expect(stdout).toContain("revised prompt:");
    expect(stdout).toContain("step 3/3");
    expect(stdout).toMatch(/streamed image: http:\/\/127\.0\.0\.1:\d+\/v1\/files\/img_/);
    expect(stdout).toContain("caption:");
  });

  it("runs the installed limner binary", { timeout: 240_000 }, async () => {
    const env = userEnv({ LIMNER_BASE_URL: stack.edgeUrl, LIMNER_API_KEY: stack.apiKey });
    const bin = join(project, "node_modules/.bin/limner");
    const generated = await exec(
      bin,
      ["generate", "a green heart", "--steps", "2", "-o", "cli.png"],
      {
        cwd: project,
        env,
      },
    );
    expect(generated.stdout).toContain("Wrote cli.png");
    expect(readFileSync(join(project, "cli.png")).subarray(1, 4).toString()).toBe("PNG");
    const captioned = await exec(bin, ["caption", "cli.png", "--model", "limner-mini"], {
      cwd: project,
      env,
    });
    expect(captioned.stdout).toMatch(/^cli\.png: \S+/);
    // eval on the suite the package ships (no --suite): its first prompt, one image.
    const evaluated = await exec(
      bin,
      ["eval", "--n", "1", "--images", "1", "--model", "limner-mini", "--json"],
      { cwd: project, env, maxBuffer: 16 * 1024 * 1024 },
    );
    const results = JSON.parse(evaluated.stdout);
    expect(results.suite.file).toContain(join("node_modules", "@limner", "cli", "suites"));
    expect(results.summary["short+upsample"]).toMatchObject({ prompts: 1, images: 1 });
    expect(results.items[0].images[0].sceneGraph.objects.length).toBeGreaterThan(0);
    const version = await exec(bin, ["--version"], { cwd: project, env });
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")).version,
    );
  });
});
