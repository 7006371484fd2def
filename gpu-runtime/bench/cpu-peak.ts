/**
 * The CPU's peak FP32 FLOP/s for the cores the runtime's sessions compute on: the physical
 * limit that the bench's achieved FLOP/s is a fraction of.
 *
 * peak = cores × max clock × FP32 FLOPs per cycle per core, where the last comes from the
 * vector ISA in the CPU flags, assuming two FMA units per core (an FMA is 2 FLOPs):
 * AVX-512F + FMA: 16 lanes × 2 × 2 = 64; AVX2 + FMA: 8 × 2 × 2 = 32; otherwise SSE: 4 lanes,
 * one add and one multiply a cycle = 8. Parts with a single AVX-512 FMA unit peak at half.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface CpuPeak {
  cores: number;
  mhz: number;
  /** Where `mhz` came from: lscpu's max clock, or /proc/cpuinfo's reported clock. */
  clockSource: string;
  isa: string;
  flopsPerCycle: number;
  /** FP32 FLOP/s. */
  flops: number;
}

function maxMhzFromLscpu(): number | undefined {
  try {
    const out = execFileSync("lscpu", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const mhz = Number(/^CPU max MHz:\s*([\d.]+)/m.exec(out)?.[1]);
    return mhz > 0 ? mhz : undefined;
  } catch {
    return undefined;
  }
}

/** Distinct (physical id, core id) pairs; undefined where /proc/cpuinfo does not list them. */
function physicalCores(cpuinfo: string): number | undefined {
  const ids = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const socket = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (socket !== undefined && core !== undefined) ids.add(`${socket}:${core}`);
  }
  return ids.size > 0 ? ids.size : undefined;
}

/**
 * `intraOpThreads` as the bench hands it to the runtime (LIMNER_INTRA_OP_THREADS; 0 means the
 * runtime's default, every available core). Undefined where /proc/cpuinfo is missing (not
 * Linux): the report then says the peak is unknown rather than guessing it.
 */
export function cpuPeak(intraOpThreads: number): CpuPeak | undefined {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "").trim().split(/\s+/));
  const [isa, flopsPerCycle]: [string, number] =
    flags.has("avx512f") && flags.has("fma")
      ? ["AVX-512F + FMA", 64]
      : flags.has("avx2") && flags.has("fma")
        ? ["AVX2 + FMA", 32]
        : ["SSE", 8];
  const lscpuMhz = maxMhzFromLscpu();
  const reportedMhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  const mhz = lscpuMhz ?? reportedMhz;
  if (!(mhz > 0)) return undefined;
  const clockSource =
    lscpuMhz !== undefined
      ? "lscpu's CPU max MHz"
      : "/proc/cpuinfo's cpu MHz (no max clock exposed, as on many VMs; a turbo clock may be higher)";
  // Hyper-threads share their core's FMA units, so the limit counts physical cores.
  const available = Math.min(availableParallelism(), physicalCores(cpuinfo) ?? Infinity);
  const cores = intraOpThreads > 0 ? Math.min(intraOpThreads, available) : available;
  return { cores, mhz, clockSource, isa, flopsPerCycle, flops: cores * mhz * 1e6 * flopsPerCycle };
}
