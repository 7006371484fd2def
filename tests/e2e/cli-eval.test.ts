/**
 * `limner eval` against the real stack serving the committed `limner-mini` bundle: the built
 * CLI (plain node) generates a slice of the held-out suite it ships through the edge, scores
 * every image with `POST /v1/images/scores`, and its binding scores must agree with the model
 * card's (`gpu-runtime/models/limner-mini/MODEL_CARD.md`, read here, never copied).
 *
 * What "agree" means on a slice: the card measured 100–200 prompts per category with 2 images
 * each; the slice runs the suite's first prompts of every category (the suite interleaves them)
 * with one image each, so its own 95 % interval is wider and must hold the card's estimate, for
 * every category and for their mean. A cell where every image agrees has a zero-width interval;
 * as the card says, read it as within 3 / prompts of its end (the rule of three). The mean has
 * the power: a pipeline that failed every image (or passed every one) lands far outside it, and
 * so does one that misread a single category the card has at 100 % (background). Generation is
 * seeded, so the slice's numbers are the same on every run: this test cannot flake, only break.
 *
 * The whole card (1100 prompts) takes over an hour on 2 cores; `limner eval` with no flags runs
 * it (see packages/cli/README.md).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLimnerTRPCClient } from "@limner/sdk/trpc";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "./run-cli";
import { startTestStack, type TestStack } from "./test-stack";

const ROOT = join(import.meta.dirname, "../..");
const CARD = join(ROOT, "gpu-runtime/models/limner-mini/MODEL_CARD.md");
const VARIANT = "short+upsample";
/** Prompts per category in the slice (the card: 100, and 200 for the binding ones). */
const PER_CATEGORY = Number(process.env.LIMNER_EVAL_PER_CATEGORY ?? 8);
const CATEGORIES = [
  ["colour", "colour"],
  ["shape", "shape"],
  ["texture", "texture"],
  ["single", "one object"],
  ["counting", "counting"],
  ["spatial", "spatial"],
  ["background", "background"],
  ["size", "size"],
] as const;

let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack(["limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "limner-mini", LIMIT_IMAGES_PER_MINUTE: "100000" },
    // The bundle built once: a run of minutes is not restarted by edits to the edge source.
    edgeServer: "miniflare",
  });
  work = mkdtempSync(join(tmpdir(), "limner-cli-eval-"));
});

afterAll(async () => {
  await stack?.stop();
});

type Run = CliRun;

function limner(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, work, {
    LIMNER_BASE_URL: `${stack.edgeUrl}/v1`,
    LIMNER_API_KEY: stack.apiKey,
    ...env,
  });
}

interface Interval {
  mean: number;
  low: number;
  high: number;
}

/** The card's row for `variant`: column name → "4.8 (2.5–7.2)" read as fractions. */
function cardRow(variant: string): Map<string, Interval> {
  const lines = readFileSync(CARD, "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith("### Prompt following"));
  const table = lines.slice(start).filter((l) => l.startsWith("| "));
  const split = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = split(table[0] ?? "");
  const row = table.find((l) => split(l)[0] === variant);
  if (!row) throw new Error(`the card has no '${variant}' row`);
  const cells = new Map<string, Interval>();
  split(row).forEach((text, i) => {
    const [, mean, low, high] = /^(-?[\d.]+) \((-?[\d.]+)–(-?[\d.]+)\)$/.exec(text) ?? [];
    if (mean && low && high)
      cells.set(header[i] ?? "", { mean: +mean / 100, low: +low / 100, high: +high / 100 });
  });
  return cells;
}

interface EstimateJson {
  mean: number | null;
  low: number | null;
  high: number | null;
  prompts: number;
  images: number;
}

/** The slice's interval, a zero-width one widened by the rule of three (3 / prompts). */
function plausible(e: EstimateJson): { low: number; high: number } {
  const low = e.low ?? Number.NaN;
  const high = e.high ?? Number.NaN;
  if (high > low) return { low, high };
  const slack = 3 / e.prompts;
  return {
    low: Math.max(0, low - (low === 1 ? slack : 0)),
    high: Math.min(1, high + (high === 0 ? slack : 0)),
  };
}

describe("limner eval", () => {
  it(
    "reproduces the model card's scores, binding ones included, within their intervals",
    async () => {
      const started = Date.now();
      const run = await limner([
        "eval",
        "--json",
        "--n",
        String(CATEGORIES.length * PER_CATEGORY),
        "--images",
        "1",
      ]);
      expect(run.code, run.stderr).toBe(0);
      const results = JSON.parse(run.stdout);
      const images = results.items.reduce(
        (n: number, i: { images: unknown[] }) => n + i.images.length,
        0,
      );
      const ms = (key: "generate" | "score") =>
        (
          results.items.reduce(
            (t: number, i: { ms: Record<string, number> }) => t + (i.ms[key] ?? 0),
            0,
          ) / images
        ).toFixed(0);
      console.log(
        `limner eval: ${results.suite.prompts} prompts × ${results.suite.imagesPerPrompt} images in ${((Date.now() - started) / 1000).toFixed(0)} s (per image: generate ${ms("generate")} ms, score ${ms("score")} ms)`,
      );
      expect(results.model).toBe("limner-mini");
      expect(results.suite).toMatchObject({
        prompts: CATEGORIES.length * PER_CATEGORY,
        imagesPerPrompt: 1,
      });
      expect(results.intervals).toMatchObject({ resamples: 2000, seed: 0, level: 0.95 });
      const summary = results.summary[VARIANT];
      const card = cardRow(VARIANT);
      const cells: [string, EstimateJson][] = [
        ...CATEGORIES.map(([name, column]): [string, EstimateJson] => {
          expect(summary.categories[name]).toMatchObject({
            prompts: PER_CATEGORY,
            images: PER_CATEGORY,
          });
          return [column, summary.categories[name]];
        }),
        ["mean", summary.overall],
      ];
      for (const [column, mine] of cells) {
        const theirs = card.get(column);
        expect(theirs, `the card's ${column} cell`).toBeDefined();
        const { low, high } = plausible(mine);
        const report = `${column}: eval ${JSON.stringify(mine)}, card ${JSON.stringify(theirs)}`;
        console.log(report);
        expect(theirs?.mean, report).toBeGreaterThanOrEqual(low);
        expect(theirs?.mean, report).toBeLessThanOrEqual(high);
      }
      // Every image was read back: a scene graph and the contrastive similarity.
      for (const item of results.items) {
        expect(item.variant).toBe(VARIANT);
        expect(item.generationPrompt).not.toBe(item.prompt); // the edge upsampled it
        for (const image of item.images) {
          expect(image.similarity).toBeGreaterThan(-1);
          expect(image.similarity).toBeLessThan(1);
          expect(image.sceneGraph.background).toMatch(/\w/);
        }
      }
    },
    15 * 60_000,
  );

  it("answers bad input with one line and a non-zero exit, never a stack trace", async () => {
    const oneLine = (run: Run, code: number, pattern: RegExp) => {
      expect(run.code, run.stderr).toBe(code);
      const [first] = run.stderr.trim().split("\n");
      expect(first).toMatch(/^limner: /);
      expect(first).toMatch(pattern);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe("");
    };
    oneLine(await limner(["eval"], { LIMNER_API_KEY: "" }), 2, /LIMNER_API_KEY/);
    oneLine(await limner(["eval", "--suite", "missing.json"]), 1, /missing\.json: no such file/);
    writeFileSync(join(work, "notjson.json"), "{ items: [");
    oneLine(await limner(["eval", "--suite", "notjson.json"]), 1, /notjson\.json: not JSON/);
    writeFileSync(join(work, "wrong.json"), JSON.stringify({ items: [{ id: "x" }] }));
    oneLine(await limner(["eval", "--suite", "wrong.json"]), 1, /Invalid wrong\.json: .*items/);
    oneLine(await limner(["eval", "--variants", "long"]), 2, /--variants must be one of/);
    oneLine(await limner(["eval", "--n", "0"]), 2, /--n must be an integer/);
    oneLine(
      await limner(["eval", "--n", "1"], { LIMNER_BASE_URL: "http://127.0.0.1:9/v1" }),
      1,
      /Could not reach http:\/\/127\.0\.0\.1:9\/v1/,
    );
    oneLine(
      await limner(["eval", "--n", "1"], { LIMNER_API_KEY: "lmn_wrongwrongwrongwrongwrong" }),
      1,
      /invalid_api_key/,
    );
    const help = await limner(["eval", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: limner eval/);
    const version = await limner(["eval", "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** A render of the shapes world's kind: a red square on white, in the native bucket's size. */
async function redSquare(): Promise<Buffer> {
  const square = await sharp({
    create: { width: 32, height: 32, channels: 3, background: { r: 220, g: 30, b: 30 } },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width: 128, height: 128, channels: 3, background: { r: 250, g: 250, b: 250 } },
  })
    .composite([{ input: square, left: 48, top: 48 }])
    .png()
    .toBuffer();
}

describe("POST /v1/images/scores and /trpc score", () => {
  const post = (body: unknown, apiKey = stack.apiKey) =>
    fetch(`${stack.edgeUrl}/v1/images/scores`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("reads the scene back and scores the prompt against it (JSON and tRPC alike)", async () => {
    const image = (await redSquare()).toString("base64");
    const response = await post({ image, prompt: "a red square" });
    expect(response.status).toBe(200);
    const scored = await response.json();
    expect(scored).toMatchObject({
      model: "limner-mini",
      scene_graph: {
        background: "white",
        objects: [
          { shape: "square", colour: "red", position: { column: "centre", row: "middle" } },
        ],
      },
      scores: { colour_binding: 1, shape_binding: 1, texture_binding: null, spatial: null },
    });
    expect(scored.similarity).toBeGreaterThan(-1);
    const wrong = await (await post({ image, prompt: "a blue star" })).json();
    expect(wrong.scores).toMatchObject({ colour_binding: 0, shape_binding: 0 });

    const trpc = createLimnerTRPCClient({ baseURL: stack.edgeUrl, apiKey: stack.apiKey });
    expect(await trpc.score.mutate({ image, prompt: "a red square" })).toEqual(scored);
    const openapi = await (await fetch(`${stack.edgeUrl}/openapi.json`)).json();
    expect(openapi.paths["/v1/images/scores"].post).toBeDefined();
  });

  it("refuses bad input with OpenAI's envelope", async () => {
    const image = (await redSquare()).toString("base64");
    const missing = await post({ image });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({ param: "prompt" });
    const text = await post({ image: Buffer.from("not an image").toString("base64"), prompt: "x" });
    expect(text.status).toBe(400);
    expect((await text.json()).error).toMatchObject({ code: "invalid_image_format" });
    const unknown = await post({ image, prompt: "x", model: "no-such-model" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: "model_not_found", param: "model" });
    const unauthorised = await post({ image, prompt: "x" }, "lmn_wrongwrongwrongwrongwrong");
    expect(unauthorised.status).toBe(401);
    expect((await unauthorised.json()).error).toMatchObject({ code: "invalid_api_key" });
  });
});
