/**
 * `limner eval`: the model card's prompt-following table, measured through a deployment's API —
 * a held-out prompt suite generated with `images.generate` and read back with `images.score`
 * (the runtime's judge and similarity), each image passing or failing its category, with 95 %
 * intervals from the bootstrap over prompts the card uses (`@limner/sdk/eval`).
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { BINDING_CATEGORIES, CATEGORIES, VARIANTS, type Variant } from "@limner/sdk/eval";
import { SingleBar } from "cli-progress";
import { type Command, enumFlag, intFlag } from "../command";
import { cardTable, gainsTable } from "../eval/card-table";
import { runSuite } from "../eval/run-suite";
import { DEFAULT_SUITE, readSuiteFile } from "../suite-file";

/** The card's row: short prompts with the deployment's upsampling, where its targets are set. */
const DEFAULT_VARIANTS: readonly Variant[] = ["short+upsample"];

const USAGE = `Usage: limner eval [--suite <file>] [--n <prompts>] [--categories <list>] [--images <k>]
                   [--variants <list>] [--model <id>] [--json] [--out <results.json>]

Runs a prompt suite through the API (generate, then score each image with the runtime's judge
and similarity) and prints the model card's prompt-following table with 95 % intervals.

  --suite      a suite file from training/image/suite.py (.json or .json.gz); default: the
               held-out suite the limner-mini model card is measured on (1100 prompts)
  --n          only the first N prompts; the categories come interleaved, so every category
               gets its share (default: all)
  --categories comma-separated, of ${CATEGORIES.join(", ")};
               "binding" is ${BINDING_CATEGORIES.join(",")}, the card's targets (default: all)
  --images     images per prompt: images 0, 1, … of the item's seed (default: the suite's, 2)
  --variants   comma-separated, of ${VARIANTS.join(", ")}
               (default: ${DEFAULT_VARIANTS.join(",")}, the card's row)
  --model      the model to generate and score with (default: the deployment's)
  --json       the whole result (summary with intervals, and every image's scores) as JSON
  --out        also write that JSON to a file

Intervals: a percentile bootstrap over prompts (2000 resamples, seed 0), as on the card.
Needs LIMNER_API_KEY; a key's image limit paces a long run (the client waits out 429s).`;

export const evalCommand: Command = {
  name: "eval",
  summary: "measure prompt following on a held-out suite (the model card's table)",
  usage: USAGE,
  async run(args, { io, client }) {
    const { values } = parseArgs({
      args,
      options: {
        suite: { type: "string" },
        n: { type: "string", short: "n" },
        images: { type: "string" },
        categories: { type: "string" },
        variants: { type: "string" },
        model: { type: "string" },
        json: { type: "boolean", default: false },
        out: { type: "string", short: "o" },
      },
    });
    const n = intFlag("n", values.n, { min: 1 });
    const images = intFlag("images", values.images, { min: 1, max: 4 });
    const variants = values.variants
      ? [
          ...new Set(
            values.variants.split(",").map((v) => enumFlag("variants", v.trim(), VARIANTS)),
          ),
        ]
      : [...DEFAULT_VARIANTS];
    const categories = values.categories
      ? new Set(
          values.categories
            .split(",")
            .flatMap((c) =>
              c.trim() === "binding"
                ? BINDING_CATEGORIES
                : [enumFlag("categories", c.trim(), CATEGORIES)],
            ),
        )
      : undefined;
    // Credentials before the suite: a missing key is the commonest mistake and the cheapest.
    const limner = client("apiKey", { maxRetries: 8 });
    const file = values.suite ?? DEFAULT_SUITE;
    const suite = await readSuiteFile(file);
    const chosen = categories ? suite.items.filter((i) => categories.has(i.category)) : suite.items;
    const items = chosen.slice(0, n ?? chosen.length);
    const imagesPerPrompt = images ?? suite.imagesPerPrompt;

    const bar = new SingleBar({
      format: "{bar} {value}/{total} prompts | {rate}/min | ETA {eta_formatted} | {last}",
      stream: io.progress,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    });
    const started = performance.now();
    bar.start(items.length * variants.length, 0, { rate: "-", last: "" });
    let results: Awaited<ReturnType<typeof runSuite>>;
    try {
      results = await runSuite({
        limner,
        model: values.model,
        file,
        items,
        imagesPerPrompt,
        variants,
        onProgress: (done, _total, last) => {
          const perMinute = done / ((performance.now() - started) / 60_000);
          bar.update(done, { rate: perMinute.toFixed(1), last: `${last.id} ${last.variant}` });
        },
      });
    } finally {
      bar.stop();
    }
    const json = JSON.stringify(results, null, 2);
    if (values.out) await writeFile(values.out, `${json}\n`);
    if (values.json) {
      io.out(json);
      return 0;
    }
    io.out(
      `${results.model}: ${items.length} prompts × ${imagesPerPrompt} images per variant, from ${file}`,
    );
    io.out("");
    for (const line of cardTable(results.summary)) io.out(line);
    const gains = gainsTable(results.gains);
    if (gains.length) {
      io.out("");
      for (const line of gains) io.out(line);
    }
    io.out("");
    if (categories) io.out("mean: of the categories run (the card's is of all eight).");
    io.out(
      `Cells: % of images passing their category; 95 % intervals from ${results.intervals.resamples} bootstrap resamples over prompts (seed ${results.intervals.seed}). A 0 % or 100 % cell has a zero-width interval: read it as within 3 / prompts of its end.`,
    );
    return 0;
  },
};
