/**
 * The playground's stylesheet (`/playground/styles.css`): a two-column workbench — settings on
 * the left, results and the history gallery on the right — that folds to one column on phones.
 * Images are scaled with the browser's smooth filter: the model renders small and the runtime
 * upscales, so nearest-neighbour (`image-rendering: pixelated`) would only show the blocks.
 *
 * @module
 */
export const PLAYGROUND_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --panel: #fff; --text: #1c1d21; --muted: #6a6f7a; --line: #dfe2e7;
  --accent: #3b5bdb; --accent-text: #fff; --danger: #c92a2a; --chip: #eef1f6;
  --radius: 10px;
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif;
  font-size: 14px; color: var(--text); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171c; --panel: #1e2128; --text: #e6e8ee; --muted: #9aa1ad; --line: #323641;
    --accent: #5c7cfa; --chip: #2a2e38; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1rem; padding: 0.6rem 1.2rem; background: var(--panel);
  border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 1.05rem; margin: 0; white-space: nowrap; }
header h1 span { color: var(--muted); font-weight: 400; }
header .key { margin-left: auto; display: flex; gap: 0.4rem; align-items: center; }
header .key input { width: 16rem; }
.layout { display: grid; grid-template-columns: 360px 1fr; gap: 1rem; padding: 1rem 1.2rem; align-items: start; }
@media (max-width: 860px) { .layout { grid-template-columns: 1fr; } header .key input { width: 10rem; } }
aside, section.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); }
aside { padding: 0.8rem; position: sticky; top: 3.6rem; max-height: calc(100vh - 4.6rem); overflow: auto; }
.tabs { display: flex; gap: 0.25rem; margin-bottom: 0.8rem; background: var(--chip); padding: 0.2rem; border-radius: 8px; }
.tabs button { flex: 1; background: transparent; color: var(--text); border: 0; padding: 0.4rem; }
.tabs button[aria-selected="true"] { background: var(--panel); box-shadow: 0 1px 2px #0002; font-weight: 600; }
form { display: grid; gap: 0.65rem; }
form[hidden] { display: none; }
label { display: grid; gap: 0.25rem; font-size: 0.82rem; color: var(--muted); }
label > span.hint { font-size: 0.75rem; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0.6rem; }
.inline { display: flex; gap: 0.4rem; align-items: center; }
.inline input { flex: 1; }
.inline button { flex: none; }
.check { display: flex; flex-direction: row; gap: 0.45rem; align-items: center; color: var(--text); }
textarea, input, select, button { font: inherit; color: var(--text); background: var(--panel);
  padding: 0.42rem 0.55rem; border-radius: 7px; border: 1px solid var(--line); }
textarea, select, input { width: 100%; min-width: 0; }
textarea { resize: vertical; }
input[type="checkbox"] { width: auto; }
input[type="file"] { padding: 0.3rem; font-size: 0.8rem; }
form > *, .grid2 > * { min-width: 0; }
.hint { color: var(--muted); font-size: 0.8rem; }
button { cursor: pointer; }
button.primary { background: var(--accent); color: var(--accent-text); border-color: var(--accent); font-weight: 600; padding: 0.55rem; }
button.danger { color: var(--danger); }
button.small { padding: 0.2rem 0.5rem; font-size: 0.8rem; }
button:disabled { opacity: 0.55; cursor: not-allowed; }
.actions { display: flex; gap: 0.5rem; }
.actions .primary { flex: 1; }
.copy { display: flex; gap: 0.35rem; flex-wrap: wrap; align-items: center; font-size: 0.8rem; color: var(--muted); }
main { display: grid; gap: 1rem; min-width: 0; }
section.card { padding: 0.8rem 1rem; }
section.card h2 { font-size: 0.95rem; margin: 0 0 0.6rem; display: flex; align-items: center; gap: 0.5rem; }
section.card h2 .spacer { flex: 1; }
#status { min-height: 1.2rem; color: var(--muted); }
#error { color: var(--danger); margin: 0.3rem 0 0; min-height: 0; }
#error:empty { display: none; }
progress { width: 100%; height: 6px; accent-color: var(--accent); }
.results { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 0.8rem; margin-top: 0.6rem; }
/* One image gets room to be looked at; several share the row. */
.results:has(> figure:only-child) { grid-template-columns: minmax(0, 520px); }
.empty { grid-column: 1 / -1; border: 2px dashed var(--line); border-radius: var(--radius); padding: 2.5rem 1rem; text-align: center; color: var(--muted); }
figure.result { margin: 0; border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; background: var(--chip); }
figure.result img { display: block; width: 100%; height: auto; aspect-ratio: var(--ratio, 1); object-fit: contain; background: var(--chip); }
figure.result.preview img { filter: saturate(0.9); }
figure.result figcaption { padding: 0.5rem 0.6rem; display: grid; gap: 0.35rem; font-size: 0.8rem; background: var(--panel); }
figure.result .revised { color: var(--muted); font-style: italic; max-height: 4.5em; overflow: auto; }
.chips { display: flex; gap: 0.3rem; flex-wrap: wrap; align-items: center; }
.chip { background: var(--chip); border: 1px solid var(--line); border-radius: 999px; padding: 0.1rem 0.55rem; font-size: 0.75rem; color: var(--text); }
button.chip { cursor: pointer; }
button.chip.seed { border-color: var(--accent); color: var(--accent); font-weight: 600; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); gap: 0.5rem; }
.gallery .thumb { position: relative; padding: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; aspect-ratio: 1; background: var(--chip); }
.gallery .thumb img { width: 100%; height: 100%; object-fit: cover; display: block; }
.gallery .thumb .kind { position: absolute; left: 4px; bottom: 4px; font-size: 0.65rem; background: #000a; color: #fff; border-radius: 4px; padding: 0 4px; }
.gallery .thumb[aria-current="true"] { outline: 2px solid var(--accent); outline-offset: 1px; }
.mask-stage { position: relative; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: var(--chip);
  min-height: 6rem; display: grid; place-items: center; }
.mask-stage canvas { display: block; width: 100%; height: auto; touch-action: none; }
.mask-stage canvas#mask-canvas { position: absolute; inset: 0; cursor: crosshair; opacity: 0.55; }
.mask-stage .placeholder { color: var(--muted); padding: 1rem; text-align: center; }
#caption-output { font-family: inherit; white-space: pre-wrap; background: var(--chip); border-radius: 8px; padding: 0.6rem; min-height: 2.5rem; margin: 0; }
#caption-preview { max-width: 100%; max-height: 12rem; border-radius: 8px; display: block; }
dialog { border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); color: var(--text); width: min(720px, 92vw); padding: 1rem; }
dialog::backdrop { background: #0007; }
dialog textarea { width: 100%; height: 16rem; font-family: ui-monospace, monospace; font-size: 0.8rem; }
dialog .actions { justify-content: flex-end; margin-top: 0.5rem; }
`;
