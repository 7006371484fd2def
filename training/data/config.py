"""Run sizes: the default (full) run and the --quick smoke run share code, not sizes."""

from dataclasses import dataclass, replace

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

    def scaled(self, factor: float) -> "RunConfig":
        """The same run with every training stage's steps multiplied by `factor` (to fit a
        time budget on a given machine); the factor is part of the reproduce command."""
        return replace(self, stages=tuple(replace(s, steps=max(1, round(s.steps * factor))) for s in self.stages))


FULL = RunConfig(
    name="full", world_probe=5000, labelled_size=30000, batch_size=32,
    stages=default_stages(pretrain=1800, short=100, descriptive=400, polish=(1500, 2500)), warmup=100,
    recaption_size=2000, judge_eval=1000, onnx_eval=300,
)

# For a lent GPU machine (`--config gpu --device cuda --workers N`): 10x the labelled subset,
# 8x the batch and about 11x the optimiser steps of `full`. The CPU path stays `full`.
GPU = RunConfig(
    name="gpu", world_probe=5000, labelled_size=300000, batch_size=256,
    stages=default_stages(pretrain=3000, short=200, descriptive=800, polish=(2000, 3000)), warmup=200,
    recaption_size=2000, judge_eval=1000, onnx_eval=300,
)

QUICK = RunConfig(
    name="quick", world_probe=200, labelled_size=200, batch_size=8,
    stages=default_stages(pretrain=6, short=3, descriptive=3), warmup=2,
    recaption_size=16, judge_eval=30, onnx_eval=6,
)

CONFIGS = {c.name: c for c in (FULL, GPU, QUICK)}
