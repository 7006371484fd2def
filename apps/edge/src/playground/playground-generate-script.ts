/**
 * `/playground/generate.js`: the Generate form — the request body from the settings (OpenAI's
 * fields for the picked model's family plus Limner's extensions), the streamed generation with
 * its progress and previews, Cancel (an `AbortController` on the fetch), the results into the
 * history, and the "copy as" snippets of the same body.
 *
 * @module
 */
export const PLAYGROUND_GENERATE_JS = String.raw`
import { apiFetch, base64ToBlob, isAbort, sseEvents } from "./api.js";
import { addEntry } from "./history.js";
import { curlSnippet, openaiJsSnippet, openaiPythonSnippet } from "./snippets.js";
import { clearResults, hideProgress, liveCard, progress, renderHistory, resultCard, showError, status } from "./ui.js";
import { WIRE } from "./wire.js";

const $ = (id) => document.getElementById(id);

/** The family whose request surface a model name speaks (the contracts' imageModelFamily). */
export function familyOf(model) {
  return WIRE.gptImageAliases.includes(model) ? "gpt-image" : "dall-e";
}

function fillSelect(select, values, label = (v) => v, fallback = values[0]) {
  const previous = select.value;
  select.replaceChildren(...values.map((value) => new Option(label(value), value)));
  select.value = values.includes(previous) ? previous : fallback;
}

function sizeLabel(size) {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return size === "auto" ? "auto (" + sizeLabel(WIRE.autoSize) + ")" : size;
  const [w, h] = [Number(match[1]), Number(match[2])];
  const gcd = (a, b) => (b ? gcd(b, a % b) : a);
  const d = gcd(w, h);
  return w + "×" + h + " (" + w / d + ":" + h / d + ")";
}

/** Re-offers sizes, qualities and previews for the picked model's family. */
export function applyFamily() {
  const surface = WIRE.families[familyOf($("model").value)];
  fillSelect($("size"), surface.sizes, sizeLabel, surface.defaults.size);
  fillSelect($("quality"), surface.qualities, undefined, surface.defaults.quality);
  const previews = Array.from({ length: surface.maxPartialImages + 1 }, (_, i) => String(i));
  fillSelect($("partial-images"), previews, (v) => (v === "0" ? "none" : v + " partial image" + (v === "1" ? "" : "s")));
  if (surface.maxPartialImages > 0 && !$("partial-images").dataset.touched) $("partial-images").value = String(Math.min(2, surface.maxPartialImages));
  $("partial-images-field").hidden = surface.maxPartialImages === 0;
}

function numberOf(id) {
  const text = $(id).value.trim();
  return text === "" ? undefined : Number(text);
}

/** The request body the settings describe (without stream, which the caller decides). */
export function requestBody() {
  const model = $("model").value;
  const family = familyOf(model);
  const body = { prompt: $("prompt").value };
  if (model) body.model = model;
  body.n = numberOf("n") ?? 1;
  body.size = $("size").value;
  body.quality = $("quality").value;
  // gpt-image always answers base64; dall-e-3 needs asking.
  if (family === "dall-e") body.response_format = "b64_json";
  const extensions = {
    seed: numberOf("seed"),
    negative_prompt: $("negative").value.trim() || undefined,
    steps: numberOf("steps"),
    guidance_scale: numberOf("guidance"),
    decoder: $("decoder").value || undefined,
    upsample: $("upsample").checked ? undefined : false,
  };
  for (const [key, value] of Object.entries(extensions)) if (value !== undefined) body[key] = value;
  return body;
}

let running;

function setRunning(controller) {
  running = controller;
  $("go").disabled = Boolean(controller);
  $("cancel").disabled = !controller;
  $("go").textContent = controller ? "Generating…" : "Generate";
}

async function generate() {
  const body = requestBody();
  const partialImages = Number($("partial-images").value || 0);
  const stream = { ...body, stream: true };
  if (familyOf(body.model) === "gpt-image" && partialImages > 0) stream.partial_images = partialImages;
  const controller = new AbortController();
  setRunning(controller);
  showError("");
  clearResults();
  progress(0, undefined);
  status("Sending…");
  const live = liveCard(body.size);
  let completed = 0;
  try {
    const response = await apiFetch("/v1/images/generations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(stream),
      signal: controller.signal,
    });
    for await (const { event, data } of sseEvents(response)) {
      if (event === WIRE.events.queued) {
        status("Queued (position " + data.position + ")");
        live.note("Queued");
      } else if (event === WIRE.events.progress) {
        status("Step " + data.step + " of " + data.total_steps);
        live.note("Step " + data.step + " / " + data.total_steps);
        progress(data.step, data.total_steps);
        if (data.preview) live.preview(data.preview, data.step);
      } else if (event === WIRE.events.partialImage) {
        live.preview(data.b64_json, data.partial_image_index);
        live.note("Preview " + (data.partial_image_index + 1));
      } else if (event === WIRE.events.completed) {
        const index = completed++;
        const meta = data.limner?.images?.[index] ?? { seed: data.limner?.seed, index };
        const mime = "image/" + (data.output_format ?? "png");
        const entry = {
          kind: "generate",
          image: base64ToBlob(data.b64_json, mime),
          prompt: body.prompt,
          revisedPrompt: data.revised_prompt,
          seed: meta.seed,
          index: meta.index,
          size: body.size,
          params: body,
        };
        if (index === 0) live.remove();
        entry.id = await addEntry(entry);
        resultCard(entry);
        status(completed < body.n ? "Image " + completed + " of " + body.n : "Done");
      } else if (event === WIRE.errorEvent) {
        throw new Error(data.error?.message ?? "The generation failed.");
      }
    }
    if (completed === 0) throw new Error("The stream ended without an image.");
    await renderHistory();
  } catch (error) {
    live.remove();
    if (isAbort(error)) status("Cancelled");
    else {
      showError(error.message);
      status("");
    }
  } finally {
    hideProgress();
    setRunning(undefined);
  }
}

function showCode(title, text) {
  $("code-title").textContent = title;
  $("code-text").value = text;
  $("code-copied").textContent = "";
  $("code-dialog").showModal();
}

export function wireGenerate() {
  $("model").addEventListener("change", applyFamily);
  $("partial-images").addEventListener("change", (e) => { e.target.dataset.touched = "1"; });
  $("form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!running) generate();
  });
  $("cancel").addEventListener("click", () => running?.abort());
  $("seed-random").addEventListener("click", () => {
    $("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0] % (WIRE.seed.max + 1));
  });
  document.addEventListener("playground:reuse-seed", ({ detail }) => {
    if (detail.kind === "edit") return;
    $("seed").value = String(detail.seed);
    if (detail.index >= (numberOf("n") ?? 1)) $("n").value = String(detail.index + 1);
    $("seed").focus();
  });
  document.addEventListener("playground:restore", ({ detail }) => {
    if (detail.kind !== "generate") return;
    const p = detail.params ?? {};
    $("model").value = p.model ?? "";
    applyFamily();
    $("prompt").value = p.prompt ?? "";
    $("negative").value = p.negative_prompt ?? "";
    $("size").value = p.size ?? $("size").value;
    $("quality").value = p.quality ?? $("quality").value;
    $("n").value = String(p.n ?? 1);
    $("seed").value = detail.seed === undefined ? "" : String(detail.seed);
    $("steps").value = p.steps ?? "";
    $("guidance").value = p.guidance_scale ?? "";
    $("decoder").value = p.decoder ?? "";
    $("upsample").checked = p.upsample !== false;
  });
  const origin = location.origin;
  $("copy-curl").addEventListener("click", () => showCode("curl", curlSnippet(origin, "/v1/images/generations", requestBody())));
  $("copy-js").addEventListener("click", () => showCode("openai (JavaScript)", openaiJsSnippet(origin, requestBody())));
  $("copy-python").addEventListener("click", () => showCode("openai (Python)", openaiPythonSnippet(origin, requestBody())));
  $("code-close").addEventListener("click", () => $("code-dialog").close());
  $("code-copy").addEventListener("click", async () => {
    $("code-text").select();
    const copied = await navigator.clipboard?.writeText($("code-text").value).then(() => true, () => false);
    $("code-copied").textContent = copied ? "Copied." : "Select the text and copy it (the clipboard is not available here).";
  });
}
`;
