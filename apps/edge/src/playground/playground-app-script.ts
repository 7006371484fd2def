/**
 * `/playground/app.js`: the page's entry module — the API key field, the tabs, the option
 * lists from the contracts (`wire.js`) and from `GET /v1/models`, then the Generate form, the
 * Edit and Caption panels and the history gallery.
 *
 * @module
 */
export const PLAYGROUND_APP_JS = `
import { listModels, storedKey, storeKey } from "./api.js";
import { applyFamily, wireGenerate } from "./generate.js";
import { wirePanels } from "./panels.js";
import { showError, wireHistory } from "./ui.js";
import { WIRE } from "./wire.js";

const $ = (id) => document.getElementById(id);
const TABS = { generate: "form", edit: "edit-form", caption: "caption-form" };

function selectTab(name) {
  for (const [tab, form] of Object.entries(TABS)) {
    $("tab-" + tab).setAttribute("aria-selected", String(tab === name));
    $(form).hidden = tab !== name;
  }
}

function options(select, values, label = (v) => v) {
  for (const value of values) select.append(new Option(label(value), value));
}

function bounds() {
  for (const id of ["n", "edit-n"]) Object.assign($(id), { min: WIRE.n.min, max: WIRE.n.max });
  Object.assign($("steps"), { min: WIRE.steps.min, max: WIRE.steps.max });
  Object.assign($("guidance"), { min: WIRE.guidance.min, max: WIRE.guidance.max });
  $("seed").max = $("edit-seed").max = WIRE.seed.max;
  $("edit-strength").placeholder = String(WIRE.editStrength) + " (default)";
  for (const id of ["prompt", "negative", "edit-prompt"]) $(id).maxLength = WIRE.maxPromptLength;
  options($("decoder"), WIRE.decoders);
  options($("caption-detail"), WIRE.captionDetails);
  $("caption-detail").value = WIRE.captionDetails.includes("descriptive") ? "descriptive" : WIRE.captionDetails[0];
  options($("edit-size"), WIRE.editSizes, (v) => (v === "auto" ? "auto (as input)" : v));
  $("edit-size").value = WIRE.editSizes.includes("auto") ? "auto" : WIRE.editSizes[0];
}

/** Fills the model pickers from the runtimes' list (plus OpenAI's names for the default). */
async function loadModels() {
  const picker = $("model");
  const chosen = picker.value;
  let models = [];
  if (storedKey()) {
    try {
      models = await listModels();
    } catch (error) {
      showError("Could not list the models: " + error.message);
    }
  }
  picker.replaceChildren(new Option("Deployment default", ""));
  const own = document.createElement("optgroup");
  own.label = "Models";
  options(own, models.filter((m) => m.capabilities?.includes("generate")).map((m) => m.id));
  const aliases = document.createElement("optgroup");
  aliases.label = "OpenAI names (the default model)";
  options(aliases, WIRE.aliases);
  picker.append(own, aliases);
  if ([...picker.options].some((o) => o.value === chosen)) picker.value = chosen;
  for (const [id, capability] of [["caption-model", "caption"], ["edit-model", "edit"]]) {
    const select = $(id);
    const previous = select.value;
    select.replaceChildren(new Option("Deployment default", ""));
    options(select, models.filter((m) => m.capabilities?.includes(capability)).map((m) => m.id));
    if ([...select.options].some((o) => o.value === previous)) select.value = previous;
  }
  applyFamily();
}

function wireKey() {
  const key = $("key");
  key.value = storedKey();
  key.addEventListener("input", () => storeKey(key.value.trim()));
  key.addEventListener("change", () => {
    storeKey(key.value.trim());
    showError("");
    loadModels();
  });
  $("key-toggle").addEventListener("click", () => {
    const hidden = key.type === "password";
    key.type = hidden ? "text" : "password";
    $("key-toggle").textContent = hidden ? "Hide" : "Show";
  });
}

for (const tab of Object.keys(TABS)) $("tab-" + tab).addEventListener("click", () => selectTab(tab));
bounds();
wireKey();
wireGenerate();
wirePanels(selectTab);
applyFamily();
// Without IndexedDB (some private modes) the page still generates; only the gallery is missing.
await Promise.all([
  loadModels(),
  wireHistory().catch((error) => showError("The history is unavailable in this browser: " + error.message)),
]);
document.body.dataset.ready = "true";
`;
