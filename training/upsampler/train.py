"""Teacher-forced training of the upsampler, checkpointed and resumable."""

import math
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from ..captioner.tokenizer import Tokenizer
from ..image.checkpoint import save_atomic
from .model import DEFAULT_BATCH, DEFAULT_STEPS, PAD_ID, PEAK_LR, WARMUP, Upsampler
from .pairs import training_batch


def _lr(step: int, steps: int) -> float:
    warmup = min(WARMUP, steps // 5 + 1)
    if step < warmup:
        return PEAK_LR * (step + 1) / warmup
    progress = (step - warmup) / max(steps - warmup, 1)
    return PEAK_LR * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def train_upsampler(tok: Tokenizer, seed: int, steps: int = DEFAULT_STEPS, batch_size: int = DEFAULT_BATCH,
                    checkpoint: Path | None = None, log: Callable[[str], None] = print,
                    threads: int | None = None) -> Upsampler:
    """Teacher-forced cross-entropy, AdamW, warmup + cosine LR. The checkpoint is written every
    500 steps and at the end; a finished one is loaded instead of training, an unfinished one
    resumed. A checkpoint of a different (seed, steps, batch_size) is an error: delete it."""
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(tok, seed, steps, batch_size, checkpoint, log)
    finally:
        torch.set_num_threads(previous_threads)


def _train(tok, seed, steps, batch_size, checkpoint, log) -> Upsampler:
    torch.manual_seed(seed)
    model = Upsampler(tok.size)
    opt = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=0.01, betas=(0.9, 0.98))
    config = {"seed": seed, "steps": steps, "batch_size": batch_size, "vocab": tok.size}
    start_step, spent = 0, 0.0
    if checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint)
        if saved["config"] != config:
            raise ValueError(f"{checkpoint} was trained with {saved['config']}, not {config}; delete it to retrain")
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        start_step = saved["step"]
        spent = saved.get("seconds", 0.0)
        log(f"  upsampler: resumed from {checkpoint} at step {start_step}/{steps}")

    def save(step: int) -> None:
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            state = {"config": config, "step": step, "model": model.state_dict(), "optimizer": opt.state_dict(),
                     "seconds": spent + time.time() - began}
            save_atomic(state, checkpoint)

    model.train()
    began, running = time.time(), None
    for step in range(start_step, steps):
        for group in opt.param_groups:
            group["lr"] = _lr(step, steps)
        source, target = training_batch(tok, seed, step, batch_size)
        logits = model.decode(model.encode(source), target[:, :-1], Upsampler.padding_bias(source))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target[:, 1:].reshape(-1), ignore_index=PAD_ID)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = float(loss) if running is None else 0.9 * running + 0.1 * float(loss)
        done = step + 1
        if done % 50 == 0 or done == steps:
            rate = (done - start_step) / (time.time() - began)
            log(f"  upsampler: step {done}/{steps} loss={running:.3f} ({rate:.2f} steps/s)")
        if done % 500 == 0 and done != steps:
            save(done)
    if start_step < steps:
        save(steps)
    model.eval()
    # Training time over every (resumed) run, for the model card.
    model.train_seconds = spent + (time.time() - began if start_step < steps else 0.0)
    return model
