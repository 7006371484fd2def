/** What every part of the benchmark shares: its options, the package root, and formatting. @module */
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const STEPS = Number(process.env.BENCH_STEPS ?? 20);
export const THREADS = Number(process.env.BENCH_THREADS ?? 1);
export const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 48);
export const REPEATS = 20;
export const LIMNER_REPEATS = 6;

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
export const ms = (value: number) => value.toFixed(2);

export function log(line: string) {
  process.stderr.write(`${line}\n`);
}
