/**
 * `/playground/api.js`: the page's only door to the API — the key (kept in this browser's
 * localStorage, as the page always has), authorised `fetch` with OpenAI's error envelope turned
 * into an `Error`, the server-sent-event reader for generation streams, and the model list.
 * Every call takes an `AbortSignal`, so Cancel really stops the request.
 *
 * @module
 */
export const PLAYGROUND_API_JS = String.raw`
const KEY_STORAGE = "limner-key";

export function storedKey() {
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

export function storeKey(key) {
  localStorage.setItem(KEY_STORAGE, key);
}

/** An API failure, with OpenAI's envelope fields when the server sent one. */
export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export async function apiFetch(path, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", "Bearer " + storedKey());
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const message = body.error?.message ?? "HTTP " + response.status + " " + response.statusText;
    throw new ApiError(message, response.status, body.error?.code);
  }
  return response;
}

/** Server-sent events as { event, data } with data parsed from JSON (WHATWG SSE framing). */
export async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** GET /v1/models: the runtimes' models, each with its capabilities. */
export async function listModels(signal) {
  const response = await apiFetch("/v1/models", { signal });
  const body = await response.json();
  return body.data ?? [];
}

export function base64ToBlob(b64, mime) {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: mime });
}

export function isAbort(error) {
  return error?.name === "AbortError";
}
`;
