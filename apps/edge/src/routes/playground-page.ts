/**
 * The playground's HTML: one self-contained page (no build step, no external assets) that
 * calls the public API exactly as any client would, streaming progress over SSE. The event names
 * come from the contracts, so the page cannot drift from the stream it reads.
 *
 * @module
 */
import { IMAGE_STREAM_ERROR_EVENT, IMAGE_STREAM_EVENT_TYPES } from "@limner/contracts";

export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Limner playground</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; }
  main { max-width: 760px; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  form { display: grid; gap: 0.75rem; background: #fff; padding: 1rem; border-radius: 12px; }
  label { display: grid; gap: 0.25rem; font-size: 0.9rem; }
  textarea, input, select, button { font: inherit; padding: 0.5rem; border-radius: 8px; border: 1px solid #ccc; }
  .row { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  .row label { display: flex; gap: 0.4rem; align-items: center; }
  button { background: #0b57d0; color: #fff; border: none; cursor: pointer; }
  button:disabled { opacity: 0.6; cursor: progress; }
  #status { min-height: 1.5rem; margin: 1rem 0 0.5rem; }
  #error { color: #b3261e; }
  #revised { font-style: italic; }
  img { max-width: 100%; border-radius: 12px; background: #ddd; image-rendering: pixelated; }
  progress { width: 100%; }
</style>
</head>
<body>
<main>
  <h1>Limner playground</h1>
  <p>Generate with this deployment's model through the OpenAI-compatible API.</p>
  <form id="form">
    <label>API key <input id="key" type="password" autocomplete="off" placeholder="lmn_…" required></label>
    <label>Prompt <textarea id="prompt" rows="3" maxlength="4000" required>a red star above a blue circle</textarea></label>
    <div class="row">
      <label>Size
        <select id="size">
          <option value="1024x1024">1024×1024 (1:1)</option>
          <option value="1792x1024">1792×1024 (7:4)</option>
          <option value="1024x1792">1024×1792 (4:7)</option>
        </select>
      </label>
      <label><input id="upsample" type="checkbox" checked> Upsample prompt</label>
      <button id="go" type="submit">Generate</button>
    </div>
  </form>
  <div id="status" role="status" aria-live="polite"></div>
  <progress id="progress" value="0" max="1" hidden></progress>
  <p id="error" role="alert"></p>
  <p id="revised"></p>
  <img id="image" alt="" hidden>
</main>
<script type="module">
  const $ = (id) => document.getElementById(id);
  $("key").value = localStorage.getItem("limner-key") ?? "";

  function show(text) { $("status").textContent = text; }

  async function* sseEvents(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\\n\\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = block.split("\\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\\n");
        yield { event, data: JSON.parse(data) };
      }
    }
  }

  $("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = $("key").value.trim();
    localStorage.setItem("limner-key", key);
    $("go").disabled = true;
    $("error").textContent = "";
    $("revised").textContent = "";
    $("progress").hidden = false;
    $("progress").value = 0;
    show("Sending…");
    try {
      const response = await fetch("/v1/images/generations", {
        method: "POST",
        headers: { authorization: "Bearer " + key, "content-type": "application/json" },
        body: JSON.stringify({
          prompt: $("prompt").value,
          size: $("size").value,
          upsample: $("upsample").checked,
          stream: true,
          response_format: "b64_json",
        }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.error?.message ?? "HTTP " + response.status);
      }
      for await (const { event, data } of sseEvents(response)) {
        if (event === ${JSON.stringify(IMAGE_STREAM_EVENT_TYPES.queued)}) show("Queued (position " + data.position + ")");
        if (event === ${JSON.stringify(IMAGE_STREAM_EVENT_TYPES.progress)}) {
          show("Step " + data.step + " of " + data.total_steps);
          $("progress").max = data.total_steps;
          $("progress").value = data.step;
        }
        if (event === ${JSON.stringify(IMAGE_STREAM_EVENT_TYPES.partialImage)}) {
          $("image").src = "data:image/png;base64," + data.b64_json;
          $("image").hidden = false;
        }
        if (event === ${JSON.stringify(IMAGE_STREAM_EVENT_TYPES.completed)}) {
          $("image").src = "data:image/" + (data.output_format ?? "png") + ";base64," + data.b64_json;
          $("image").alt = data.revised_prompt;
          $("image").hidden = false;
          $("revised").textContent = "Revised prompt: " + data.revised_prompt;
          show("Done");
        }
        if (event === ${JSON.stringify(IMAGE_STREAM_ERROR_EVENT)}) throw new Error(data.error?.message ?? "generation failed");
      }
    } catch (error) {
      $("error").textContent = error.message;
      show("");
    } finally {
      $("go").disabled = false;
      $("progress").hidden = true;
    }
  });
</script>
</body>
</html>
`;
