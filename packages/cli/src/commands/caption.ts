/**
 * `limner caption <files…>`: the captioner on local images, one line per file (`--json`: one
 * JSON object per line, for pipelines).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CaptionDetail } from "@limner/sdk/contracts";
import { type Command, enumFlag } from "../command";
import { UsageError } from "../io";

const USAGE = `Usage: limner caption <file…> [--detail short|descriptive] [--model <id>] [--json]

  --detail   short: the main subjects; descriptive (default): everything in the image
  --json     one {"file", "caption", "detail", "model"} object per line

Needs LIMNER_API_KEY.`;

export const captionCommand: Command = {
  name: "caption",
  summary: "caption image files with the model's captioner",
  usage: USAGE,
  async run(args, { io, client }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        detail: { type: "string" },
        model: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError("caption needs at least one image file.");
    const detail = enumFlag("detail", values.detail, CaptionDetail.options) ?? "descriptive";
    const limner = client("apiKey");
    for (const file of positionals) {
      const result = await limner.images.caption({
        image: file,
        detail,
        ...(values.model ? { model: values.model } : {}),
      });
      io.out(values.json ? JSON.stringify({ file, ...result }) : `${file}: ${result.caption}`);
    }
    return 0;
  },
};
