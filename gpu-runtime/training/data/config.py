"""Run sizes: the default (full) run and the --quick smoke run share code, not sizes."""

from dataclasses import dataclass

from ..captioner.train import Stage, default_stages


@dataclass(frozen=True)
class RunConfig:
    name: str
    world_probe: int  # samples rendered to measure generation throughput
    labelled_size: int  # the "human-labelled" subset with ground-truth captions
    batch_size: int
    stages: tuple[Stage, ...]
    warmup: int
    recaption_size: int  # unlabelled images recaptioned into the manifest
    judge_eval: int  # held-out ground-truth renders for judge accuracy
    onnx_eval: int  # held-out images captioned by the ONNX export
    blends: tuple[tuple[str, float], ...] = (("descriptive", 0.95), ("short", 0.95))


FULL = RunConfig(
    name="full", world_probe=5000, labelled_size=30000, batch_size=32,
    stages=default_stages(pretrain=1800, short=100, descriptive=400, polish=(1500, 2500)), warmup=100,
    recaption_size=2000, judge_eval=1000, onnx_eval=300,
)

QUICK = RunConfig(
    name="quick", world_probe=200, labelled_size=200, batch_size=8,
    stages=default_stages(pretrain=6, short=3, descriptive=3), warmup=2,
    recaption_size=16, judge_eval=30, onnx_eval=6,
)
