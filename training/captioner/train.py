"""Captioner training: CoCa pretraining, then the short and descriptive fine-tunes.

Stages (DALL-E 3 report, section 2.1, scaled down):
1. pretrain  - contrastive (image vs text-tower embedding of the descriptive caption) plus
               captioning loss, captions 30 % short / 70 % descriptive;
2. short     - captioning loss on short captions only (mode token [SHORT]);
3. descriptive - captioning loss on descriptive captions ([DESC]), replaying 10 % short
               captions so one set of decoder weights keeps both modes; then further
               lower-lr descriptive phases ("descriptive_polish", "descriptive_polish2").
Every stage adds an auxiliary loss: heads on the encoder's 9 cell tokens predict what the
labelled caption (parsed) says is in each layout cell (presence, shape, colour, texture, size).
The "human-labelled" data is a fixed subset of the labelled stream with ground-truth texts.
"""

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .batches import Batch, index_by_bucket, iter_batches
from .model import Captioner
from .tokenizer import Tokenizer


@dataclass(frozen=True)
class Stage:
    name: str
    steps: int
    lr: float
    short_fraction: float
    contrastive: bool


@dataclass(frozen=True)
class TrainConfig:
    labelled_size: int
    batch_size: int
    stages: tuple[Stage, ...]
    warmup: int = 100
    device: str = "cpu"
    workers: int = 0  # batch-rendering processes; 0 renders in the training process


def default_stages(pretrain: int, short: int, descriptive: int, polish: tuple[int, ...] = ()) -> tuple[Stage, ...]:
    stages = (
        Stage("pretrain", pretrain, 1e-3, 0.3, True),
        Stage("short", short, 5e-4, 1.0, False),
        Stage("descriptive", descriptive, 5e-4, 0.1, False),
    )
    # Further descriptive phases (cosine restarts at lower peaks): binding positions to the
    # right object and not repeating objects are the last things the decoder learns.
    peaks = (2.5e-4, 1.5e-4, 1e-4)
    names = ("descriptive_polish", "descriptive_polish2", "descriptive_polish3")
    return stages + tuple(Stage(names[i], steps, peaks[i], 0.1, False) for i, steps in enumerate(polish))


def losses(model: Captioner, batch: Batch, contrastive: bool) -> tuple[torch.Tensor, dict[str, float]]:
    tokens, image_emb = model.encoder(batch.pixels)
    logits = model.decoder(tokens, batch.decoder_ids)
    # Position 0 predicts the mode token, which the caller always supplies: not a target.
    targets = batch.targets.clone()
    targets[:, 0] = 0
    caption = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=0)
    # Detached tensors, read only when logged: reading them every step would stall a GPU.
    stats = {"caption": caption.detach()}
    loss = 2.0 * caption  # CoCa weights captioning 2:1 against contrastive
    cells = tokens[:, -9:]
    aux = sum(F.cross_entropy(head(cells).reshape(-1, head.out_features), batch.cells[name].reshape(-1),
                              ignore_index=-100) for name, head in model.aux.items())
    loss = loss + aux
    stats["cells"] = aux.detach()
    if contrastive:
        # Half the batch is plenty of negatives for this world, and the text tower is the
        # single most expensive part of a step.
        k = max(image_emb.shape[0] // 2, 2)
        text_emb = model.tower(batch.tower_ids[:k])
        sim = model.logit_scale.exp().clamp(max=100) * image_emb[:k].float() @ text_emb.float().t()
        labels = torch.arange(sim.shape[0], device=sim.device)
        con = (F.cross_entropy(sim, labels) + F.cross_entropy(sim.t(), labels)) / 2
        loss = loss + con
        stats["contrastive"] = con.detach()
    return loss, stats


def _lr(stage: Stage, step: int, warmup: int) -> float:
    if step < warmup:
        return stage.lr * (step + 1) / warmup
    progress = (step - warmup) / max(stage.steps - warmup, 1)
    return stage.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def _last_finished(stages: tuple[Stage, ...], out_dir: Path) -> int:
    """Index of the last stage whose checkpoint and timing exist (-1 if none): a run resumes
    after it, so only the latest checkpoint needs to be kept (or carried between machines)."""
    done = -1
    for k, stage in enumerate(stages):
        if (out_dir / f"stage_{stage.name}.pt").exists() and (out_dir / f"stage_{stage.name}.json").exists():
            done = k
    return done


def train(model: Captioner, tok: Tokenizer, seed: int, config: TrainConfig, out_dir: Path, log) -> dict:
    """Runs the stages; checkpoints after each (stage_<name>.pt) and resumes after the last
    finished one. Returns each stage's seconds; the model ends on the CPU in eval mode."""
    out_dir.mkdir(parents=True, exist_ok=True)
    device = torch.device(config.device)
    groups = index_by_bucket(seed, "labelled", config.labelled_size)
    timings = {}
    resume = _last_finished(config.stages, out_dir)
    if resume >= 0:
        ckpt = out_dir / f"stage_{config.stages[resume].name}.pt"
        model.load_state_dict(torch.load(ckpt, map_location="cpu"))
        log(f"  captioner: resumed after stage {config.stages[resume].name} from {ckpt}")
    model.to(device)
    for k, stage in enumerate(config.stages):
        timing = out_dir / f"stage_{stage.name}.json"
        if k <= resume:
            timings[stage.name] = json.loads(timing.read_text())["seconds"]
            continue
        torch.manual_seed(seed * 1000 + k)
        rng = np.random.default_rng([seed, 7, k])
        params = [p for n, p in model.named_parameters() if stage.contrastive or not n.startswith(("tower.", "logit_scale"))]
        opt = torch.optim.AdamW(params, lr=stage.lr, weight_decay=0.01)
        batches = iter_batches(tok, seed, groups, config.batch_size, stage.short_fraction, rng, config.workers)
        model.train()
        start = time.time()
        running: dict[str, torch.Tensor] = {}
        for step in range(stage.steps):
            for group in opt.param_groups:
                group["lr"] = _lr(stage, step, min(config.warmup, stage.steps // 5 + 1))
            # bf16 autocast on GPUs only; the CPU path stays in float32 (and bit-reproducible).
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                loss, stats = losses(model, next(batches).to(device), stage.contrastive)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            for key, v in stats.items():
                running[key] = v if key not in running else 0.9 * running[key] + 0.1 * v
            if (step + 1) % 50 == 0 or step + 1 == stage.steps:
                rate = (step + 1) * config.batch_size / (time.time() - start)
                pretty = " ".join(f"{k}={float(v):.3f}" for k, v in running.items())
                log(f"  captioner/{stage.name}: step {step + 1}/{stage.steps} {pretty} ({rate:.0f} img/s)")
        batches.close()  # stops its rendering processes
        timings[stage.name] = time.time() - start
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, out_dir / f"stage_{stage.name}.pt")
        device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        timing.write_text(json.dumps({"seconds": timings[stage.name], "steps": stage.steps, "device": config.device,
                                      "device_name": device_name, "batch_size": config.batch_size}) + "\n")
    model.to("cpu").eval()
    return timings
