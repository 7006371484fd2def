/**
 * `/playground/panels.js`: the Edit and Caption panels. Edit sends OpenAI's multipart
 * `POST /v1/images/edits` (`image`, optional `mask`, `prompt`, `n`, `size`,
 * `response_format`); the mask is painted over the image or uploaded, and follows OpenAI's
 * rule: fully transparent pixels mark the region to change, so a painted stroke becomes
 * alpha 0 in an otherwise opaque PNG of the image's size. Caption sends the image as the
 * multipart `file` of `POST /v1/images/captions` with the chosen detail.
 *
 * @module
 */
export const PLAYGROUND_PANELS_JS = `
import { apiFetch, base64ToBlob, isAbort } from "./api.js";
import { addEntry } from "./history.js";
import { clearResults, hideProgress, progress, renderHistory, resultCard, showError, status } from "./ui.js";

const $ = (id) => document.getElementById(id);

let editImage; // the Blob being edited
let masked = false; // a stroke was painted or a mask uploaded
let maskUpload; // an uploaded mask file, sent as-is
let running;

async function loadEditImage(blob) {
  editImage = blob;
  const bitmap = await createImageBitmap(blob);
  for (const canvas of [$("edit-canvas"), $("mask-canvas")]) {
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.hidden = false;
  }
  $("edit-canvas").getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
  $("mask-placeholder").hidden = true;
  clearMask();
}

function clearMask() {
  const canvas = $("mask-canvas");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  masked = false;
  maskUpload = undefined;
  $("mask-file").value = "";
  $("mask-info").textContent = "No mask: the whole image is redrawn.";
}

function markMasked(text) {
  masked = true;
  $("mask-info").textContent = text;
}

/** Strokes drawn on the overlay, in image pixels whatever the canvas's displayed size. */
function wirePainting() {
  const canvas = $("mask-canvas");
  let last;
  const point = (e) => {
    const rect = canvas.getBoundingClientRect();
    return [(e.clientX - rect.left) * (canvas.width / rect.width), (e.clientY - rect.top) * (canvas.height / rect.height)];
  };
  const paint = (from, to) => {
    const context = canvas.getContext("2d");
    const rect = canvas.getBoundingClientRect();
    context.strokeStyle = context.fillStyle = "#ff00d4";
    context.lineCap = context.lineJoin = "round";
    context.lineWidth = Number($("brush").value) * (canvas.width / rect.width);
    context.beginPath();
    context.moveTo(...from);
    context.lineTo(...to);
    context.stroke();
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (!editImage) return;
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    paint(last, last);
    maskUpload = undefined;
    markMasked("Painted mask: only the painted region is changed.");
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const next = point(e);
    paint(last, next);
    last = next;
  });
  for (const end of ["pointerup", "pointercancel"]) canvas.addEventListener(end, () => { last = undefined; });
}

/** The painted overlay as OpenAI's mask: opaque everywhere except the strokes (alpha 0). */
function maskBlob() {
  const overlay = $("mask-canvas");
  const mask = document.createElement("canvas");
  mask.width = overlay.width;
  mask.height = overlay.height;
  const context = mask.getContext("2d");
  context.fillStyle = "#000";
  context.fillRect(0, 0, mask.width, mask.height);
  context.globalCompositeOperation = "destination-out";
  context.drawImage(overlay, 0, 0);
  return new Promise((resolve) => mask.toBlob(resolve, "image/png"));
}

/** Shows an uploaded mask's transparent region in the overlay's colour. */
async function showUploadedMask(file) {
  const canvas = $("mask-canvas");
  const bitmap = await createImageBitmap(file);
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#ff00d4";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.globalCompositeOperation = "destination-out";
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  context.globalCompositeOperation = "source-over";
  bitmap.close();
}

function setRunning(controller) {
  running = controller;
  $("edit-go").disabled = Boolean(controller);
  $("edit-cancel").disabled = !controller;
}

async function edit() {
  if (!editImage) return showError("Choose an image to edit first.");
  const controller = new AbortController();
  setRunning(controller);
  showError("");
  clearResults();
  progress(0, undefined);
  status("Editing…");
  const form = new FormData();
  form.set("image", editImage, "image." + (editImage.type.split("/")[1] ?? "png"));
  form.set("prompt", $("edit-prompt").value);
  if ($("edit-model").value) form.set("model", $("edit-model").value);
  form.set("n", $("edit-n").value || "1");
  if ($("edit-size").value) form.set("size", $("edit-size").value);
  form.set("response_format", "b64_json");
  // Limner's extensions, as text fields like the rest of the form.
  for (const [field, id] of [["strength", "edit-strength"], ["seed", "edit-seed"]]) {
    if ($(id).value.trim() !== "") form.set(field, $(id).value.trim());
  }
  try {
    if (masked) form.set("mask", maskUpload ?? (await maskBlob()), "mask.png");
    const response = await apiFetch("/v1/images/edits", { method: "POST", body: form, signal: controller.signal });
    const body = await response.json();
    for (const [index, image] of body.data.entries()) {
      const meta = body.limner?.images?.[index] ?? { seed: body.limner?.seed, index };
      const entry = {
        kind: "edit",
        image: base64ToBlob(image.b64_json, "image/" + (body.output_format ?? "png")),
        prompt: $("edit-prompt").value,
        revisedPrompt: image.revised_prompt,
        seed: meta.seed,
        index: meta.index,
        size: body.size ?? $("edit-size").value,
        params: { prompt: $("edit-prompt").value, n: Number(form.get("n")), size: form.get("size") ?? undefined, masked },
      };
      entry.id = await addEntry(entry);
      resultCard(entry);
    }
    status("Done");
    await renderHistory();
  } catch (error) {
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

async function caption() {
  const file = $("caption-image").files[0] ?? captionImage;
  if (!file) return showError("Choose an image to caption first.");
  const form = new FormData();
  form.set("file", file, file.name ?? "image.png");
  form.set("detail", $("caption-detail").value);
  if ($("caption-model").value) form.set("model", $("caption-model").value);
  $("caption-go").disabled = true;
  $("caption-output").textContent = "Captioning…";
  showError("");
  try {
    const body = await (await apiFetch("/v1/images/captions", { method: "POST", body: form })).json();
    $("caption-output").textContent = body.caption;
    $("caption-use").disabled = false;
  } catch (error) {
    $("caption-output").textContent = "";
    showError(error.message);
  } finally {
    $("caption-go").disabled = false;
  }
}

let captionImage;
function setCaptionImage(blob) {
  captionImage = blob;
  $("caption-preview").src = URL.createObjectURL(blob);
  $("caption-preview").hidden = false;
  $("caption-output").textContent = "";
  $("caption-use").disabled = true;
}

export function wirePanels(selectTab) {
  wirePainting();
  $("edit-image").addEventListener("change", () => $("edit-image").files[0] && loadEditImage($("edit-image").files[0]));
  $("mask-clear").addEventListener("click", clearMask);
  $("mask-file").addEventListener("change", async () => {
    const file = $("mask-file").files[0];
    if (!file || !editImage) return;
    maskUpload = file;
    await showUploadedMask(file);
    markMasked("Uploaded mask: its transparent region is changed.");
  });
  $("edit-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!running) edit();
  });
  $("edit-cancel").addEventListener("click", () => running?.abort());
  $("caption-image").addEventListener("change", () => $("caption-image").files[0] && setCaptionImage($("caption-image").files[0]));
  $("caption-form").addEventListener("submit", (e) => {
    e.preventDefault();
    caption();
  });
  $("caption-use").addEventListener("click", () => {
    $("prompt").value = $("caption-output").textContent;
    selectTab("generate");
  });
  document.addEventListener("playground:reuse-seed", ({ detail }) => {
    if (detail.kind !== "edit") return;
    $("edit-seed").value = String(detail.seed);
    selectTab("edit");
  });
  document.addEventListener("playground:use-image", async ({ detail }) => {
    selectTab(detail.target);
    if (detail.target === "edit") await loadEditImage(detail.image);
    else {
      $("caption-image").value = "";
      setCaptionImage(detail.image);
    }
  });
}
`;
