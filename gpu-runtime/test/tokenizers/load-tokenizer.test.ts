import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { TextTokenizer } from "../../src/tokenizers/load-tokenizer";
import { asEnglish, createTokenizer, loadTokenizer } from "../../src/tokenizers/load-tokenizer";

const DIR = fileURLToPath(new URL("../fixtures/tiny-sd/tokenizer/", import.meta.url));
const vocab: Record<string, number> = JSON.parse(readFileSync(`${DIR}vocab.json`, "utf8"));
const id = (token: string): number => {
  const value = vocab[token];
  if (value === undefined) throw new Error(`fixture vocab lacks ${token}`);
  return value;
};
const CLIP = { maxLength: 77, padding: "max_length", truncation: true } as const;

describe("CLIP tokenizer from the tiny-sd fixture", () => {
  let tokenizer: TextTokenizer;
  const BOS = id("<|startoftext|>");
  const EOS = id("<|endoftext|>");

  beforeAll(async () => {
    tokenizer = await loadTokenizer(DIR);
  });

  it("has the small CLIP-format vocabulary the text encoder was sized for", () => {
    const textEncoder = JSON.parse(
      readFileSync(
        fileURLToPath(new URL("../fixtures/tiny-sd/text_encoder/config.json", import.meta.url)),
        "utf8",
      ),
    );
    expect(tokenizer.vocabSize).toBe(Object.keys(vocab).length);
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(1000);
    expect(textEncoder.vocab_size).toBe(tokenizer.vocabSize);
    expect(tokenizer.modelMaxLength).toBe(77);
    expect(tokenizer.padId).toBe(EOS);
    const merges = readFileSync(`${DIR}merges.txt`, "utf8").trim().split("\n");
    expect(merges[0]).toBe("#version: 0.2");
    for (const merge of merges.slice(1)) expect(vocab[merge.replace(" ", "")]).toBeDefined();
  });

  it("wraps words in BOS/EOS and pads to 77 with the pad token", () => {
    const { ids, attentionMask } = tokenizer.encode("A red circle above two BLUE squares", CLIP);
    const words = ["a", "red", "circle", "above", "two", "blue", "squares"];
    expect(ids.slice(0, 9)).toEqual([BOS, ...words.map((w) => id(`${w}</w>`)), EOS]);
    expect(ids).toHaveLength(77);
    expect(ids.slice(9).every((t) => t === EOS)).toBe(true);
    expect(attentionMask.slice(0, 9).every((m) => m === 1)).toBe(true);
    expect(attentionMask.slice(9).every((m) => m === 0)).toBe(true);
    expect(tokenizer.decode(ids)).toBe("a red circle above two blue squares");
  });

  it("falls back to byte-level pieces for words outside the vocabulary", () => {
    const { ids } = tokenizer.encode("a zebra's quilt", CLIP);
    const content = ids.slice(1, ids.indexOf(EOS));
    expect(content.length).toBeGreaterThan(3);
    expect(ids[0]).toBe(BOS);
    expect(tokenizer.decode(ids)).toBe("a zebra's quilt");
    expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toMatch(
      /^<\|startoftext\|>a zebra/,
    );
  });

  it("truncates to 77 keeping BOS first and EOS last", () => {
    const long = Array.from({ length: 120 }, (_, i) => ["red", "circle", "star"][i % 3]).join(" ");
    const { ids, attentionMask } = tokenizer.encode(long, CLIP);
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(BOS);
    expect(ids[76]).toBe(EOS);
    expect(ids[75]).toBe(id("star</w>")); // 75 content tokens: (red circle star) × 25
    expect(attentionMask.every((m) => m === 1)).toBe(true);
    expect(tokenizer.encode(long).ids.length).toBe(122); // no options: untouched
  });

  it("builds from parsed JSON and needs a pad token to pad", () => {
    const json = JSON.parse(readFileSync(`${DIR}tokenizer.json`, "utf8"));
    const noPad = createTokenizer(json, {});
    expect(noPad.padId).toBeUndefined();
    expect(noPad.encode("red", { maxLength: 77 }).ids).toEqual([BOS, id("red</w>"), EOS]);
    expect(() => noPad.encode("red", { maxLength: 77, padding: "max_length" })).toThrow(
      /pad token/,
    );
    expect(() => createTokenizer("nope")).toThrow(TypeError);
  });
});

describe("word-level tokenizer of a limner bundle", () => {
  const json = JSON.parse(
    readFileSync(
      fileURLToPath(new URL("../fixtures/tiny-limner/tokenizer.json", import.meta.url)),
      "utf8",
    ),
  );
  const words: Record<string, number> = json.model.vocab;

  it("maps words outside the vocabulary to [UNK] instead of undefined", () => {
    const tokenizer = createTokenizer(json);
    const { ids } = tokenizer.encode("a cat on a sofa");
    expect(ids).toEqual([words.a, words["[UNK]"], words.on, words.a, words["[UNK]"]]);
  });

  it("decodes to English and encodes English back to the same ids", async () => {
    // limner-mini's own vocabulary: the fixture's is too small for a whole caption.
    const tokenizer = await loadTokenizer(
      fileURLToPath(new URL("../../models/limner-mini", import.meta.url)),
    );
    const world =
      "two objects on a white background . a red star , large and striped , is at the top .";
    const { ids } = tokenizer.encode(world);
    const english = asEnglish(tokenizer.decode(ids));
    expect(english).toBe(
      "Two objects on a white background. A red star, large and striped, is at the top.",
    );
    expect(tokenizer.encode(english).ids).toEqual(ids);
    expect(tokenizer.decode(ids)).not.toMatch(/^T/);
  });

  it("says so when a vocabulary without [UNK] meets an unknown word", () => {
    const tokenizer = createTokenizer({ ...json, model: { ...json.model, unk_token: undefined } });
    expect(tokenizer.encode("a red star").ids).toEqual([words.a, words.red, words.star]);
    expect(() => tokenizer.encode("a cat")).toThrow(/outside this tokenizer's vocabulary/);
  });
});
