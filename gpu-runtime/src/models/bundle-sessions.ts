/**
 * The one place a bundle's ONNX components enter the inference pool, for every bundle layout:
 * each component loads once under `${prefix}/${component}`, is checked against the tensor
 * names the manifest gives, and is remembered, so a loader that fails part-way releases what
 * it had loaded and a loaded bundle releases each session exactly once.
 *
 * @example
 * ```ts
 * const { value: unet, dispose } = await withBundleSessions(pool, "tiny-sd", (sessions) =>
 *   sessions.load("unet", "models/tiny-sd/unet/model.onnx", { inputs: ["sample"] }),
 * );
 * await dispose();
 * ```
 *
 * @module
 */
import type { InferencePool, LoadedSession } from "../backend/inference-pool";

/** Tensor names the manifest promises; a session whose file lacks one is refused. */
export interface ExpectedTensors {
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
}

export class BundleSessions {
  readonly #pool: InferencePool;
  readonly #prefix: string;
  readonly #loaded = new Map<string, LoadedSession>();

  constructor(pool: InferencePool, prefix: string) {
    this.#pool = pool;
    this.#prefix = prefix;
  }

  /** Loads `path` as `component`; refuses a component twice, since sessions are shared. */
  async load(
    component: string,
    path: string,
    expected: ExpectedTensors = {},
  ): Promise<LoadedSession> {
    const key = `${this.#prefix}/${component}`;
    if (this.#loaded.has(key)) throw new Error(`${key} is loaded already`);
    const session = { key, info: await this.#pool.loadSession(key, path) };
    // Remembered before the check, so a session that fails it is released with the rest.
    this.#loaded.set(key, session);
    expectTensors(session, expected);
    return session;
  }

  /** Pool keys of the sessions loaded so far, in load order. */
  get keys(): string[] {
    return [...this.#loaded.keys()];
  }

  /** Releases every session once; later calls release nothing. */
  async release(): Promise<void> {
    const keys = this.keys;
    this.#loaded.clear();
    await Promise.all(keys.map((key) => this.#pool.releaseSession(key)));
  }
}

/**
 * Runs `build` with a fresh {@link BundleSessions}; when it throws, every session it had
 * loaded is released before the error goes on. On success, `dispose` releases them.
 */
export async function withBundleSessions<T>(
  pool: InferencePool,
  prefix: string,
  build: (sessions: BundleSessions) => Promise<T>,
): Promise<{ value: T; dispose(): Promise<void> }> {
  const sessions = new BundleSessions(pool, prefix);
  try {
    const value = await build(sessions);
    return { value, dispose: () => sessions.release() };
  } catch (error) {
    const [released] = await Promise.allSettled([sessions.release()]);
    if (released?.status === "rejected") {
      throw new AggregateError(
        [error, released.reason],
        `${prefix}: loading failed, and releasing its sessions failed too`,
      );
    }
    throw error;
  }
}

function expectTensors(session: LoadedSession, expected: ExpectedTensors): void {
  const missing = (names: readonly string[] = [], have: LoadedSession["info"]["inputs"]) =>
    names.filter((name) => !have.some((t) => t.name === name));
  const absent = [
    ...missing(expected.inputs, session.info.inputs).map((n) => `input '${n}'`),
    ...missing(expected.outputs, session.info.outputs).map((n) => `output '${n}'`),
  ];
  if (absent.length > 0) {
    throw new Error(
      `${session.key}: the manifest names ${absent.join(", ")}, which the ONNX file lacks`,
    );
  }
}
