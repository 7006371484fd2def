/**
 * Text tokenizers for the text encoders, from a Hugging Face `tokenizer.json` (+ optional
 * `tokenizer_config.json`) as diffusers/Optimum exports ship them in `tokenizer/`.
 * `@huggingface/tokenizers` does the normalising, pre-tokenising, BPE and special tokens; this
 * file adds what it leaves out: fixed-length padding and truncation that keeps the special
 * tokens — CLIP's text encoder always sees `<|startoftext|> … <|endoftext|> <pad>…` × 77.
 *
 * @example
 * ```ts
 * const tokenizer = await loadTokenizer("models/sd/tokenizer");
 * const { ids } = tokenizer.encode("a red circle", { maxLength: 77, padding: "max_length", truncation: true });
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { z } from "zod";

export interface EncodeOptions {
  /** Target length; defaults to the config's `model_max_length` (77 for CLIP). */
  readonly maxLength?: number;
  /** `"max_length"` pads every sequence to `maxLength` with the pad token. */
  readonly padding?: "max_length" | false;
  /** Cut long texts to `maxLength`, keeping the leading and trailing special tokens. */
  readonly truncation?: boolean;
}

export interface Encoded {
  readonly ids: number[];
  /** 1 for real tokens (specials included), 0 for padding. */
  readonly attentionMask: number[];
}

export interface TextTokenizer {
  encode(text: string, options?: EncodeOptions): Encoded;
  /** Ids back to text; special tokens (BOS/EOS/padding) are dropped unless asked for. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  readonly vocabSize: number;
  readonly modelMaxLength: number | undefined;
  readonly padId: number | undefined;
}

/** A special token is written either as a string or as a serialised AddedToken. */
const TokenSpec = z.union([z.string(), z.object({ content: z.string() })]).optional();

const TokenizerConfigSchema = z.looseObject({
  pad_token: TokenSpec.nullable(),
  model_max_length: z.number().optional(),
});

/** Reads `tokenizer.json` and, when present, `tokenizer_config.json` from `dir`. */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const tokenizerJson: unknown = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
  let config: unknown = {};
  try {
    config = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
  return createTokenizer(tokenizerJson, config);
}

/** Builds a tokenizer from already-parsed JSON (lets tests and bundles skip the file system). */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: unknown = {},
): TextTokenizer {
  if (typeof tokenizerJson !== "object" || tokenizerJson === null) {
    throw new TypeError("tokenizer.json must contain a JSON object");
  }
  const config = TokenizerConfigSchema.parse(tokenizerConfig);
  const tokenizer = new Tokenizer(tokenizerJson, config);
  const padToken = tokenContent(config.pad_token);
  const padId = padToken === undefined ? undefined : tokenizer.token_to_id(padToken);
  // @huggingface/tokenizers' WordLevel model yields `undefined` for out-of-vocabulary words
  // instead of its `unk_token`'s id; map them here, so "a cat" becomes [a, [UNK]].
  const unkId = unknownTokenId(tokenizerJson, tokenizer);
  const idsOf = (text: string, addSpecialTokens = true): number[] =>
    tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids.map((id) => {
      if (id !== undefined) return id;
      if (unkId === undefined) {
        throw new RangeError("the text has a word outside this tokenizer's vocabulary");
      }
      return unkId;
    });
  // Configs without a real limit store a huge sentinel (1e30); treat it as none.
  const modelMaxLength =
    config.model_max_length !== undefined && config.model_max_length < 1e9
      ? config.model_max_length
      : undefined;

  return {
    vocabSize: tokenizer.get_vocab(true).size,
    modelMaxLength,
    padId,
    tokenToId: (token) => tokenizer.token_to_id(token),
    decode: (ids, options = {}) =>
      tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true }),
    encode(text, options = {}) {
      const maxLength = options.maxLength ?? modelMaxLength;
      let ids = idsOf(text);
      if (options.truncation && maxLength !== undefined && ids.length > maxLength) {
        ids = truncateKeepingSpecials(ids, idsOf(text, false), maxLength);
      }
      const attentionMask = ids.map(() => 1);
      if (options.padding === "max_length") {
        if (maxLength === undefined) throw new RangeError("padding to max_length needs maxLength");
        if (padId === undefined) throw new RangeError("this tokenizer has no pad token");
        while (ids.length < maxLength) {
          ids.push(padId);
          attentionMask.push(0);
        }
      }
      return { ids, attentionMask };
    },
  };
}

/**
 * A word-level text (the shapes world's "a red star . it is large .") as people read it ("A red
 * star. It is large."): no space before punctuation, every sentence capitalised. Encoding
 * lower-cases and splits punctuation again, so both forms give the same ids.
 */
export function asEnglish(words: string): string {
  return words
    .replace(/\s+/g, " ")
    .replace(/ ([.,:;!?%])/g, "$1")
    .trim()
    .replace(
      /(^|[.!?] )([a-z])/g,
      (_, start: string, letter: string) => start + letter.toUpperCase(),
    );
}

/**
 * `full` is `prefix + content + suffix` (e.g. `[BOS] … [EOS]`); cut `content` so the whole is
 * `maxLength` long, as transformers' truncation does for single sequences.
 */
function truncateKeepingSpecials(full: number[], content: number[], maxLength: number): number[] {
  const specials = full.length - content.length;
  let start = 0;
  while (start < specials && !sameAt(full, content, start)) start++;
  const prefix = full.slice(0, start);
  const suffix = full.slice(start + content.length);
  const keep = Math.max(0, maxLength - prefix.length - suffix.length);
  return [...prefix, ...content.slice(0, keep), ...suffix].slice(0, maxLength);
}

function sameAt(full: readonly number[], part: readonly number[], offset: number): boolean {
  return part.every((id, i) => full[offset + i] === id);
}

function unknownTokenId(tokenizerJson: object, tokenizer: Tokenizer): number | undefined {
  const model = (tokenizerJson as { model?: { unk_token?: unknown } }).model;
  return typeof model?.unk_token === "string" ? tokenizer.token_to_id(model.unk_token) : undefined;
}

function tokenContent(spec: z.infer<typeof TokenSpec> | null): string | undefined {
  if (spec === undefined || spec === null) return undefined;
  return typeof spec === "string" ? spec : spec.content;
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}
