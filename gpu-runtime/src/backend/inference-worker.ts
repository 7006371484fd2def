/**
 * Worker-thread entry: owns onnxruntime sessions by key and runs one request at a time.
 * onnxruntime-node's `run()` holds the calling thread until the graph finishes, so it must not
 * run on the main thread, where it would stall HTTP, SSE progress and health checks.
 *
 * Started by `inference-pool.ts` with `--import tsx`; never imported by anything else.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { OnnxSession } from "./onnx-backend";
import type { WorkerConfig, WorkerExit, WorkerReply, WorkerRequest } from "./worker-protocol";
import { ownBuffers, transferList } from "./worker-protocol";

const port = parentPort;
if (!port) throw new Error("inference-worker.ts must be started as a worker thread");

const config: WorkerConfig = isConfig(workerData) ? workerData : {};
const sessions = new Map<string, OnnxSession>();
let runsStarted = 0;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.kind) {
    case "load": {
      try {
        await sessions.get(request.key)?.release();
        const session = await OnnxSession.create(request.path, {
          ...config,
          warn: (message) => reply({ kind: "log", message }),
        });
        sessions.set(request.key, session);
        reply({ kind: "loaded", id: request.id, info: session.info });
      } catch (error) {
        fail(request.id, "LOAD_FAILED", request.key, error);
      }
      return;
    }
    case "run": {
      const session = sessions.get(request.key);
      if (!session) {
        fail(request.id, "UNKNOWN_SESSION", request.key, "no session loaded under this key");
        return;
      }
      runsStarted++;
      try {
        const outputs = ownBuffers(await session.run(request.feeds, request.outputNames));
        reply(
          { kind: "result", id: request.id, outputs, runsStarted },
          transferList(Object.values(outputs)),
        );
      } catch (error) {
        fail(request.id, "RUN_FAILED", request.key, error);
      }
      return;
    }
    case "release": {
      const session = sessions.get(request.key);
      sessions.delete(request.key);
      await session?.release();
      reply({ kind: "released", id: request.id });
      return;
    }
  }
}

function fail(
  id: number,
  code: "LOAD_FAILED" | "RUN_FAILED" | "UNKNOWN_SESSION",
  session: string,
  error: unknown,
): void {
  const message = error instanceof Error ? error.message : String(error);
  reply({ kind: "error", id, code, session, message, runsStarted });
}

function isConfig(value: unknown): value is WorkerConfig {
  return typeof value === "object" && value !== null;
}

// Requests are handled strictly in arrival order; the pool sends at most one run at a time.
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: WorkerRequest | WorkerExit) => {
  queue = queue.then(() => (request.kind === "exit" ? exit(request.code) : handle(request)));
});

async function exit(code: number): Promise<void> {
  if (code === 0) {
    for (const session of sessions.values()) await session.release();
    sessions.clear();
  }
  process.exit(code);
}
reply({ kind: "ready" });
