/**
 * The playground's markup. The page is static — no build step, no external assets: its styles
 * and ES modules are served by the edge under `/playground/` (`routes/playground.ts`), and the
 * script calls the public API exactly as any client would. Options that depend on the wire
 * format (sizes, qualities, decoders, caption detail) are filled in by the script from
 * `/playground/wire.js`, which is generated from the contracts.
 *
 * @module
 */

export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Limner playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/playground/styles.css">
<script type="module" src="/playground/app.js"></script>
</head>
<body>
<header>
  <h1>Limner <span>playground</span></h1>
  <div class="key">
    <label class="inline" for="key">API key</label>
    <input id="key" type="password" autocomplete="off" placeholder="lmn_…" aria-label="API key">
    <button id="key-toggle" type="button" class="small" aria-label="Show the key">Show</button>
  </div>
</header>
<div class="layout">
  <aside>
    <div class="tabs" role="tablist">
      <button type="button" role="tab" id="tab-generate" aria-controls="form" aria-selected="true">Generate</button>
      <button type="button" role="tab" id="tab-edit" aria-controls="edit-form" aria-selected="false">Edit</button>
      <button type="button" role="tab" id="tab-caption" aria-controls="caption-form" aria-selected="false">Caption</button>
    </div>

    <form id="form" aria-label="Generate">
      <label>Model <select id="model"><option value="">Deployment default</option></select></label>
      <label>Prompt <textarea id="prompt" rows="4" required>a red star above a blue circle</textarea></label>
      <label>Negative prompt <textarea id="negative" rows="2" placeholder="what to steer away from"></textarea></label>
      <div class="grid2">
        <label>Size <select id="size"></select></label>
        <label>Quality <select id="quality"></select></label>
      </div>
      <div class="grid2">
        <label>Images (n) <input id="n" type="number" value="1"></label>
        <label>Seed
          <span class="inline"><input id="seed" type="number" min="0" placeholder="random">
          <button id="seed-random" type="button" class="small" title="Pick a random seed" aria-label="Random seed">Random</button></span>
        </label>
      </div>
      <div class="grid2">
        <label>Steps <input id="steps" type="number" placeholder="model default"></label>
        <label>Guidance <input id="guidance" type="number" step="0.5" placeholder="model default"></label>
      </div>
      <div class="grid2">
        <label>Decoder <select id="decoder"><option value="">Model default</option></select></label>
        <label id="partial-images-field">Previews <select id="partial-images"></select></label>
      </div>
      <label class="check"><input id="upsample" type="checkbox" checked> Upsample the prompt (revised prompt)</label>
      <div class="actions">
        <button id="go" type="submit" class="primary">Generate</button>
        <button id="cancel" type="button" disabled>Cancel</button>
      </div>
      <div class="copy">Copy as
        <button type="button" class="small" id="copy-curl">curl</button>
        <button type="button" class="small" id="copy-js">openai (JS)</button>
        <button type="button" class="small" id="copy-python">openai (Python)</button>
      </div>
    </form>

    <form id="edit-form" aria-label="Edit" hidden>
      <label>Image <input id="edit-image" type="file" accept="image/png,image/jpeg,image/webp"></label>
      <div class="mask-stage" id="mask-stage">
        <p class="placeholder" id="mask-placeholder">Upload an image, or pick “Edit” on a result. Then paint the area to change.</p>
        <canvas id="edit-canvas" hidden></canvas>
        <canvas id="mask-canvas" hidden aria-label="Mask: paint the region to edit"></canvas>
      </div>
      <div class="grid2">
        <label>Brush <input id="brush" type="range" min="2" max="120" value="40"></label>
        <label>Mask file <input id="mask-file" type="file" accept="image/png"></label>
      </div>
      <div class="inline"><button id="mask-clear" type="button" class="small">Clear mask</button>
        <span class="hint" id="mask-info">No mask: the whole image is redrawn.</span></div>
      <label>Prompt <textarea id="edit-prompt" rows="3" required>a green triangle in the centre</textarea></label>
      <label>Model <select id="edit-model"><option value="">Deployment default</option></select></label>
      <div class="grid2">
        <label>Images (n) <input id="edit-n" type="number" value="1"></label>
        <label>Size <select id="edit-size"></select></label>
      </div>
      <div class="grid2">
        <label>Strength <input id="edit-strength" type="number" min="0" max="1" step="0.05"></label>
        <label>Seed <input id="edit-seed" type="number" min="0" placeholder="random"></label>
      </div>
      <div class="actions">
        <button id="edit-go" type="submit" class="primary">Edit image</button>
        <button id="edit-cancel" type="button" disabled>Cancel</button>
      </div>
    </form>

    <form id="caption-form" aria-label="Caption" hidden>
      <label>Image <input id="caption-image" type="file" accept="image/*"></label>
      <img id="caption-preview" alt="" hidden>
      <label>Detail <select id="caption-detail"></select></label>
      <label>Model <select id="caption-model"><option value="">Deployment default</option></select></label>
      <div class="actions"><button id="caption-go" type="submit" class="primary">Caption</button></div>
      <pre id="caption-output" aria-live="polite"></pre>
      <button id="caption-use" type="button" class="small" disabled>Use as prompt</button>
    </form>
  </aside>

  <main>
    <section class="card" id="output" aria-label="Results">
      <h2>Results <span class="spacer"></span><span id="status" role="status" aria-live="polite"></span></h2>
      <progress id="progress" value="0" max="1" hidden></progress>
      <p id="error" role="alert"></p>
      <div id="results" class="results"><div class="empty" id="empty">Your images will appear here.</div></div>
    </section>
    <section class="card" aria-label="History">
      <h2>History <span class="chip" id="history-count">0</span><span class="spacer"></span>
        <button id="history-clear" type="button" class="small danger">Clear</button></h2>
      <div id="history" class="gallery"></div>
      <p class="hint" id="history-empty">Generations are kept in this browser only.</p>
    </section>
  </main>
</div>
<dialog id="code-dialog">
  <h2 id="code-title">Code</h2>
  <textarea id="code-text" readonly spellcheck="false"></textarea>
  <div class="actions"><span id="code-copied" class="hint"></span>
    <button id="code-copy" type="button" class="primary">Copy</button>
    <button id="code-close" type="button">Close</button></div>
</dialog>
</body>
</html>
`;
