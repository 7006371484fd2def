/**
 * `/playground/ui.js`: the results pane and the history gallery — status line, progress bar,
 * error line, the live preview card, result cards (seed chip to reuse, download, send to the
 * edit or caption panel) and the gallery of thumbnails. Cards talk back to the forms through
 * DOM events (`playground:reuse-seed`, `playground:use-image`, `playground:restore`), so this
 * module knows nothing about how requests are made.
 *
 * @module
 */
export const PLAYGROUND_UI_JS = String.raw`
import { clearEntries, getEntry, listEntries, removeEntry } from "./history.js";

const $ = (id) => document.getElementById(id);
const urls = new Set();

export function status(text) {
  $("status").textContent = text;
}

export function showError(message) {
  $("error").textContent = message;
}

export function progress(step, total) {
  const bar = $("progress");
  bar.hidden = false;
  if (total === undefined) bar.removeAttribute("value");
  else {
    bar.max = total;
    bar.value = step;
  }
}

export function hideProgress() {
  $("progress").hidden = true;
}

function ratioOf(size) {
  const match = /^(\d+)x(\d+)$/.exec(size ?? "");
  return match ? Number(match[1]) / Number(match[2]) : 1;
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent("playground:" + name, { detail }));
}

/** Empties the results pane (revoking the object URLs its images held). */
export function clearResults() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls.clear();
  $("results").replaceChildren();
}

function showEmpty() {
  $("results").replaceChildren(el("div", { className: "empty", id: "empty", textContent: "Your images will appear here." }));
}

/** The card that shows previews and step counts while a request runs. */
export function liveCard(size) {
  const img = el("img", { alt: "Preview", hidden: true });
  const note = el("span", { className: "chip", textContent: "Waiting for the runtime…" });
  const figure = el("figure", { className: "result preview", id: "live" }, [
    img, el("figcaption", {}, [el("div", { className: "chips" }, [note])]),
  ]);
  figure.style.setProperty("--ratio", String(ratioOf(size)));
  $("empty")?.remove();
  $("results").prepend(figure);
  return {
    preview(b64, index) {
      img.src = "data:image/png;base64," + b64;
      img.hidden = false;
      img.dataset.partialIndex = String(index);
    },
    note(text) {
      note.textContent = text;
    },
    remove() {
      figure.remove();
      if ($("results").children.length === 0) showEmpty();
    },
  };
}

/**
 * A finished image. entry: { image: Blob, kind, prompt, revisedPrompt, seed, index, size,
 * params, id? (set when it is in the history) }.
 */
export function resultCard(entry) {
  const url = URL.createObjectURL(entry.image);
  urls.add(url);
  const ext = (entry.image.type.split("/")[1] ?? "png").replace("jpeg", "jpg");
  const name = "limner-" + (entry.seed ?? "edit") + (entry.index ? "-" + entry.index : "") + "." + ext;
  const chips = [];
  if (entry.seed !== undefined) {
    const seed = el("button", {
      type: "button", className: "chip seed", textContent: "seed " + entry.seed + (entry.index ? " #" + entry.index : ""),
      title: "Use this seed again" + (entry.index ? " (image " + entry.index + " of the request, so n > " + entry.index + ")" : ""),
    });
    seed.dataset.seed = String(entry.seed);
    seed.addEventListener("click", () => emit("reuse-seed", { seed: entry.seed, index: entry.index ?? 0, kind: entry.kind }));
    chips.push(seed);
  }
  chips.push(el("span", { className: "chip", textContent: entry.kind === "edit" ? "edit" : entry.params?.model || "default model" }));
  const download = el("a", { className: "chip", href: url, download: name, textContent: "Download" });
  const toEdit = el("button", { type: "button", className: "chip", textContent: "Edit" });
  toEdit.addEventListener("click", () => emit("use-image", { target: "edit", image: entry.image }));
  const toCaption = el("button", { type: "button", className: "chip", textContent: "Caption" });
  toCaption.addEventListener("click", () => emit("use-image", { target: "caption", image: entry.image }));
  const caption = [el("div", { className: "chips" }, [...chips, download, toEdit, toCaption])];
  if (entry.revisedPrompt) caption.push(el("div", { className: "revised", textContent: entry.revisedPrompt }));
  const img = el("img", { src: url, alt: entry.revisedPrompt || entry.prompt || "Generated image" });
  const figure = el("figure", { className: "result" }, [img, el("figcaption", {}, caption)]);
  figure.style.setProperty("--ratio", String(ratioOf(entry.size)));
  // "auto" sizes are known only once the image is decoded.
  img.addEventListener("load", () => figure.style.setProperty("--ratio", String(img.naturalWidth / img.naturalHeight)));
  if (entry.seed !== undefined) figure.dataset.seed = String(entry.seed);
  figure.dataset.index = String(entry.index ?? 0);
  $("empty")?.remove();
  $("results").append(figure);
  return figure;
}

/** Redraws the gallery from IndexedDB; current marks the entry on show. */
export async function renderHistory(current) {
  const entries = await listEntries();
  $("history-count").textContent = String(entries.length);
  $("history-empty").hidden = entries.length > 0;
  $("history").replaceChildren(...entries.map((entry) => {
    const thumb = el("button", { type: "button", className: "thumb", title: entry.prompt ?? "" }, [
      el("img", { src: entry.thumb, alt: entry.prompt ?? "history image" }),
      el("span", { className: "kind", textContent: entry.kind === "edit" ? "edit" : "seed " + entry.seed }),
    ]);
    thumb.dataset.id = String(entry.id);
    if (entry.id === current) thumb.setAttribute("aria-current", "true");
    thumb.addEventListener("click", () => showEntry(entry.id));
    return thumb;
  }));
}

async function showEntry(id) {
  const entry = await getEntry(id);
  if (!entry) return renderHistory();
  clearResults();
  showError("");
  const card = resultCard(entry);
  const remove = el("button", { type: "button", className: "chip", textContent: "Remove from history" });
  remove.addEventListener("click", async () => {
    await removeEntry(id);
    clearResults();
    showEmpty();
    await renderHistory();
  });
  card.querySelector(".chips").append(remove);
  status("From history");
  emit("restore", entry);
  await renderHistory(id);
}

export function wireHistory() {
  $("history-clear").addEventListener("click", async () => {
    if (!confirm("Remove every image from this browser's history?")) return;
    await clearEntries();
    await renderHistory();
  });
  return renderHistory();
}
`;
