"""Where the training code finds the rest of the repository: the runtime package it exports
into (its bundle, test fixtures and the TypeScript evaluation it runs) and its own work dirs."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GPU_RUNTIME = REPO / "gpu-runtime"
BUNDLE = GPU_RUNTIME / "models" / "limner-mini"
TINY_LIMNER = GPU_RUNTIME / "test" / "fixtures" / "tiny-limner"
RUNS = REPO / "training" / "runs"  # work dirs of full-size runs (gitignored)
TSX = REPO / "node_modules" / ".bin" / "tsx"  # the evaluation imports the runtime's TypeScript
ONNXRUNTIME_NODE = REPO / "node_modules" / "onnxruntime-node"
