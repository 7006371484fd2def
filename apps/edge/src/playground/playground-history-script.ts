/**
 * `/playground/history.js`: the history gallery's storage, in this browser's IndexedDB (images
 * are megabytes; localStorage holds a few). Each entry keeps what is needed to reproduce or
 * reuse a result: kind (generate / edit), prompt, revised prompt, seed and image index, the
 * request's parameters, the image itself and a small thumbnail for the gallery.
 *
 * @module
 */
export const PLAYGROUND_HISTORY_JS = `
const DB_NAME = "limner-playground";
const STORE = "history";
/** Oldest entries beyond this many are dropped, so the gallery cannot fill the disk. */
const MAX_ENTRIES = 200;
const THUMB_SIDE = 192;

let opened;
function db() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

function run(mode, work) {
  return db().then((database) => new Promise((resolve, reject) => {
    const tx = database.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

/** A small WebP (PNG where WebP encoding is missing) data URL of an image blob. */
export async function thumbnail(blob) {
  const bitmap = await createImageBitmap(blob);
  const scale = Math.min(1, THUMB_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/webp", 0.85);
}

/** Stores an entry (its image a Blob) and returns its id. */
export async function addEntry(entry) {
  const stored = { ...entry, thumb: await thumbnail(entry.image), createdAt: Date.now() };
  const id = await run("readwrite", (store) => store.add(stored));
  const ids = await run("readonly", (store) => store.getAllKeys());
  if (ids.length > MAX_ENTRIES) {
    await run("readwrite", (store) => store.delete(IDBKeyRange.upperBound(ids[ids.length - MAX_ENTRIES - 1])));
  }
  return id;
}

/** Every entry, newest first. */
export async function listEntries() {
  const entries = await run("readonly", (store) => store.getAll());
  return entries.reverse();
}

export function getEntry(id) {
  return run("readonly", (store) => store.get(id));
}

export function removeEntry(id) {
  return run("readwrite", (store) => store.delete(id));
}

export function clearEntries() {
  return run("readwrite", (store) => store.clear());
}
`;
