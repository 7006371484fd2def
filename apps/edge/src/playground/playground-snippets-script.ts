/**
 * `/playground/snippets.js`: the current parameters as code to paste elsewhere — a curl
 * command, and the official `openai` client for JavaScript and Python with only the base URL
 * changed. Limner's extensions (seed, steps, ...) are not in OpenAI's types, so the snippets
 * pass them the way each client passes extra body fields (`extra_body` in Python).
 *
 * @module
 */
export const PLAYGROUND_SNIPPETS_JS = String.raw`
/** The OpenAI fields each client types; everything else is a Limner extension. */
const OPENAI_FIELDS = new Set([
  "prompt", "model", "n", "size", "quality", "style", "response_format", "user", "background",
  "moderation", "output_format", "output_compression", "partial_images", "stream",
]);

function shellQuote(text) {
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

/** curl: the request as sent (without streaming, so the output is one JSON document). */
export function curlSnippet(origin, path, body) {
  return [
    "curl -sS " + origin + path + " \\",
    '  -H "Authorization: Bearer $LIMNER_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    "  -d " + shellQuote(JSON.stringify(body)),
  ].join("\n");
}

function split(body) {
  const openai = {};
  const extra = {};
  for (const [key, value] of Object.entries(body)) (OPENAI_FIELDS.has(key) ? openai : extra)[key] = value;
  return { openai, extra };
}

/** A JSON object as a JavaScript literal: identifier keys unquoted. */
function jsLiteral(value) {
  return JSON.stringify(value, null, 2).replace(/^(\s*)"([A-Za-z_][A-Za-z0-9_]*)":/gm, "$1$2:");
}

/** openai-node: unknown keys in the params object are sent in the body unchanged. */
export function openaiJsSnippet(origin, body) {
  const { openai, extra } = split(body);
  const fields = { ...openai, ...extra };
  const lines = [
    'import OpenAI from "openai";',
    'import { writeFileSync } from "node:fs";',
    "",
    "const client = new OpenAI({",
    '  baseURL: "' + origin + '/v1",',
    "  apiKey: process.env.LIMNER_API_KEY,",
    "});",
    "",
  ];
  if (Object.keys(extra).length > 0) {
    lines.push("// " + Object.keys(extra).join(", ") + ": Limner extensions, sent in the body as written.");
  }
  lines.push(
    "const result = await client.images.generate(" + jsLiteral(fields) + ");",
    "",
    'writeFileSync("image.png", Buffer.from(result.data[0].b64_json, "base64"));',
    "console.log(result.data[0].revised_prompt);",
  );
  return lines.join("\n");
}

function pythonValue(value) {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  if (typeof value === "object") {
    return "{" + Object.entries(value).map(([k, v]) => JSON.stringify(k) + ": " + pythonValue(v)).join(", ") + "}";
  }
  return JSON.stringify(value);
}

/** openai-python: typed fields as keyword arguments, extensions in extra_body. */
export function openaiPythonSnippet(origin, body) {
  const { openai, extra } = split(body);
  const lines = [
    "import base64, os",
    "from openai import OpenAI",
    "",
    'client = OpenAI(base_url="' + origin + '/v1", api_key=os.environ["LIMNER_API_KEY"])',
    "result = client.images.generate(",
  ];
  for (const [key, value] of Object.entries(openai)) lines.push("    " + key + "=" + pythonValue(value) + ",");
  if (Object.keys(extra).length > 0) lines.push("    extra_body=" + pythonValue(extra) + ",  # Limner extensions");
  lines.push(
    ")",
    'with open("image.png", "wb") as f:',
    "    f.write(base64.b64decode(result.data[0].b64_json))",
    "print(result.data[0].revised_prompt)",
  );
  return lines.join("\n");
}
`;
