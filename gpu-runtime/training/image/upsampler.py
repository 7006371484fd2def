"""The learned prompt upsampler: short user prompt -> descriptive caption, by a small seq2seq.

DALL-E 3 (Betker et al. 2023, section 3.1 and appendix C) trains on descriptive synthetic
captions, so at sampling time GPT-4 "upsamples" terse user prompts into that distribution.
Here a pre-norm transformer encoder-decoder (1 + 3 layers, width 128, 4 heads, ~1.1 M
parameters) plays GPT-4's part. Training pairs come from the labelled stream: source = a
user-like prompt of the scene (`prompts.random_prompt`, which names every object), target = a
ground-truth descriptive caption of the same scene, so the model learns to keep what the
prompt says and to invent the rest (sizes, positions, background) the way the captions do.

Exported as two ONNX graphs (docs/model-manifest.md, `upsampler`): the encoder once per
prompt, the decoder re-run on `[BOS] generated...` each greedy step (no key/value cache in the
graph; the runtime decodes batch 1 without padding).
"""

import functools
import itertools
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..captioner.model import Attention
from ..captioner.tokenizer import BOS, EOS, PAD, SPECIALS, Tokenizer
from ..world.parser import ParsedObject, parse_descriptive
from ..world.scene import STREAMS, sample_scene
from ..world.texts import descriptive_caption
from .checkpoint import save_atomic
from .export import tensor
from .prompts import PROMPT_STYLES, Prompt, make_prompt, random_prompt

UPSAMPLER_MAX_INPUT = 32  # encoder ids, framing included; the longest prompt is 21
# Decoder positions, [BOS] included. The longest descriptive caption seen in 20 000 samples is
# 98 words and the templates allow at most 101, so 101 + [BOS] + [EOS] fits with slack.
UPSAMPLER_MAX_LENGTH = 112
WIDTH = 128
HEADS = 4
ENCODER_LAYERS = 1  # the prompt is at most 21 words of a closed vocabulary
DECODER_LAYERS = 3  # planning the layout and naming objects in relations needs the depth
OPSET = 17
PAD_ID, BOS_ID, EOS_ID = SPECIALS.index(PAD), SPECIALS.index(BOS), SPECIALS.index(EOS)
# Measured on the 2-core build box with other jobs running (1 thread, batch 64): 2.7-4.0
# steps/s, so 6-9 min; colour/texture/full fidelity reaches 100 % here, count ~0.7-0.9 and
# spatial ~0.2-0.45 (the model has not yet learnt to place objects by the stated relation).
DEFAULT_STEPS = 1500
DEFAULT_BATCH = 64
PEAK_LR = 2e-3
WARMUP = 100
_NEG = -1e9  # additive attention mask; finite so fully masked rows never give NaN


class _Layer(nn.Module):
    """Pre-norm transformer layer; the decoder's also cross-attends to the encoder memory."""

    def __init__(self, cross: bool):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.self_attn = Attention(WIDTH, HEADS)
        self.cross_attn = Attention(WIDTH, HEADS) if cross else None
        self.norm2 = nn.LayerNorm(WIDTH) if cross else None
        self.norm3 = nn.LayerNorm(WIDTH)
        self.ffn = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x, self_bias, memory_kv=None, memory_bias=None, past=None):
        """`past` (keys, values) of earlier positions turns this into one cached decoding step."""
        h = self.norm1(x)
        k, v = self.self_attn.keys_values(h)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        x = x + self.self_attn.attend(h, k, v, self_bias)
        if self.cross_attn is not None:
            x = x + self.cross_attn.attend(self.norm2(x), *memory_kv, memory_bias)
        return x + self.ffn(self.norm3(x)), (k, v)


class Upsampler(nn.Module):
    """(B, S) prompt ids -> memory (B, S, WIDTH); memory + (B, T) ids -> (B, T, vocab) logits."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, WIDTH)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.source_position = nn.Parameter(torch.randn(UPSAMPLER_MAX_INPUT, WIDTH) * 0.02)
        self.target_position = nn.Parameter(torch.randn(UPSAMPLER_MAX_LENGTH, WIDTH) * 0.02)
        self.encoder = nn.ModuleList(_Layer(cross=False) for _ in range(ENCODER_LAYERS))
        self.encoder_norm = nn.LayerNorm(WIDTH)
        self.decoder = nn.ModuleList(_Layer(cross=True) for _ in range(DECODER_LAYERS))
        self.decoder_norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, vocab_size)
        steps = torch.arange(UPSAMPLER_MAX_LENGTH)
        # Sliced to the actual target length, so the exported graph works for every length.
        self.register_buffer("causal", (steps[None, :] > steps[:, None]).float() * _NEG, persistent=False)

    @staticmethod
    def padding_bias(source_ids: torch.Tensor) -> torch.Tensor:
        return ((source_ids == PAD_ID).float() * _NEG)[:, None, None, :]

    def encode(self, source_ids: torch.Tensor) -> torch.Tensor:
        bias = self.padding_bias(source_ids)
        x = self.embed(source_ids) + self.source_position[: source_ids.shape[1]]
        for layer in self.encoder:
            x, _ = layer(x, bias)
        return self.encoder_norm(x)

    def decode(self, memory: torch.Tensor, target_ids: torch.Tensor, memory_bias: torch.Tensor | None = None):
        t = target_ids.shape[1]
        x = self.embed(target_ids) + self.target_position[:t]
        causal = self.causal[:t, :t]
        for layer in self.decoder:
            x, _ = layer(x, causal, layer.cross_attn.keys_values(memory), memory_bias)
        return self.head(self.decoder_norm(x))


# --- training data -------------------------------------------------------------------------


def frame(tok: Tokenizer, text: str, limit: int) -> list[int]:
    """`[BOS] words [EOS]`, words cut to fit `limit` ids (the manifest's framing rule)."""
    return [BOS_ID] + tok.encode(text)[: limit - 2] + [EOS_ID]


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row)
    return out


def training_pair(seed: int, index: int) -> tuple[str, str]:
    """(short prompt, descriptive caption) of labelled scene `index`; addressed, so a resumed
    run sees exactly the batches an uninterrupted one would. The prompt lists the objects in
    the order the caption describes them: a monotone alignment the small model learns several
    times faster than matching a shuffled list, and the rewrite then keeps the user's order."""
    scene = sample_scene(seed, STREAMS["labelled"], index)
    rng = np.random.default_rng([seed, 23, index])
    caption = descriptive_caption(scene, rng)
    # Cells are distinct, so an object sentence's position names its scene object.
    cells = [(o.row, o.col) for o in scene.objects]
    order = [cells.index((o.row, o.col)) for o in parse_descriptive(caption).objects]
    return random_prompt(scene, rng, order).text, caption


BUCKET_GROUP = 8  # batches drawn together and split by target length


def training_batch(tok: Tokenizer, seed: int, step: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch `step`: the pairs of BUCKET_GROUP consecutive batches are sorted by caption length
    and cut into batches (in a seeded order), so a batch pads to its own length rather than to
    the longest four-object caption; that halves the decoder's work."""
    group, slot = divmod(step, BUCKET_GROUP)
    framed = _bucket_group(tok, seed, group, batch_size)
    chunk = int(np.random.default_rng([seed, 31, group]).permutation(BUCKET_GROUP)[slot])
    mine = framed[chunk * batch_size : (chunk + 1) * batch_size]
    return _pad([s for s, _ in mine]), _pad([t for _, t in mine])


@functools.lru_cache(maxsize=1)
def _bucket_group(tok: Tokenizer, seed: int, group: int, batch_size: int) -> list[tuple[list[int], list[int]]]:
    first = group * BUCKET_GROUP * batch_size
    pairs = [training_pair(seed, first + i) for i in range(BUCKET_GROUP * batch_size)]
    framed = [(frame(tok, p, UPSAMPLER_MAX_INPUT), frame(tok, c, UPSAMPLER_MAX_LENGTH + 1)) for p, c in pairs]
    return sorted(framed, key=lambda pair: len(pair[1]))


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


# --- decoding and fidelity -----------------------------------------------------------------


@torch.no_grad()
def upsample_greedy(model: Upsampler, tok: Tokenizer, prompts: list[str]) -> list[str]:
    """Batched greedy decoding with a key/value cache; same rule as the runtime (argmax, lowest
    id on ties, [BOS]/[PAD] masked, stop at [EOS] or UPSAMPLER_MAX_LENGTH positions)."""
    if not prompts:
        return []
    model.eval()
    source = _pad([frame(tok, p, UPSAMPLER_MAX_INPUT) for p in prompts])
    memory_bias = Upsampler.padding_bias(source)
    memory = model.encode(source)
    memory_kv = [layer.cross_attn.keys_values(memory) for layer in model.decoder]
    past: list = [None] * len(model.decoder)
    banned = torch.zeros(model.head.out_features)
    banned[[BOS_ID, PAD_ID]] = float("-inf")
    generated = torch.full((len(prompts), 1), BOS_ID, dtype=torch.long)
    done = torch.zeros(len(prompts), dtype=torch.bool)
    while generated.shape[1] < UPSAMPLER_MAX_LENGTH and not bool(done.all()):
        t = generated.shape[1] - 1
        x = model.embed(generated[:, -1:]) + model.target_position[t : t + 1]
        for i, layer in enumerate(model.decoder):
            x, past[i] = layer(x, None, memory_kv[i], memory_bias, past[i])
        nxt = (model.head(model.decoder_norm(x[:, -1])) + banned).argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, PAD_ID), nxt)
        generated = torch.cat([generated, nxt[:, None]], 1)
        done |= nxt == EOS_ID
    return [tok.decode(row[1:].tolist()) for row in generated]


_RELATION_HOLDS = {
    "left": lambda a, b: a.col < b.col,
    "right": lambda a, b: a.col > b.col,
    "above": lambda a, b: a.row < b.row,
    "below": lambda a, b: a.row > b.row,
}


def faithful(prompt: Prompt, rewrite: str) -> bool:
    """The rewrite describes exactly the prompt's objects: same number (objects and any stated
    count), every mentioned shape / colour / texture kept, the stated relation true of the
    positions it gives."""
    parsed = parse_descriptive(rewrite)
    n = len(prompt.objects)
    if len(parsed.objects) != n or (parsed.count is not None and parsed.count != n):
        return False

    def agrees(said, got: ParsedObject) -> bool:
        return all(want is None or want == have for want, have in
                   ((said.shape, got.shape), (said.colour, got.colour), (said.texture, got.texture)))

    for order in itertools.permutations(parsed.objects):
        if not all(agrees(s, g) for s, g in zip(prompt.objects, order)):
            continue
        if prompt.relation is None:
            return True
        i, relation, j = prompt.relation
        a, b = order[i], order[j]
        if None not in (a.row, a.col, b.row, b.col) and _RELATION_HOLDS[relation](a, b):
            return True
    return False


def self_consistent(rewrite: str) -> bool:
    """The rewrite does not contradict itself: each object has a cell of its own, every "there
    are two stars" matches its objects, every relation sentence names objects it describes
    (uniquely) and holds for their positions."""
    parsed = parse_descriptive(rewrite)
    cells = [(o.row, o.col) for o in parsed.objects]
    if None in (c[0] for c in cells) or len(set(cells)) != len(cells):
        return False
    shapes = [o.shape for o in parsed.objects]
    if any(shapes.count(shape) != k for shape, k in parsed.shape_counts.items()):
        return False
    for colour_a, shape_a, relation, colour_b, shape_b in parsed.relations:
        a = [o for o in parsed.objects if (o.colour, o.shape) == (colour_a, shape_a)]
        b = [o for o in parsed.objects if (o.colour, o.shape) == (colour_b, shape_b)]
        if len(a) != 1 or len(b) != 1 or None in (a[0].row, a[0].col, b[0].row, b[0].col):
            return False
        if not _RELATION_HOLDS[relation](a[0], b[0]):
            return False
    return True


def upsampler_fidelity(model: Upsampler, tok: Tokenizer, seed: int, count: int) -> dict:
    """Per style, over `count` held-out prompts: `fidelity`, the fraction of rewrites that are
    `faithful`, and `consistent`, the fraction that are also `self_consistent`; plus the mean
    rewrite length in words and one example per style."""
    prompts: dict[str, list[Prompt]] = {style: [] for style in PROMPT_STYLES}
    for style_index, style in enumerate(PROMPT_STYLES):
        # Count prompts apply to few scenes: search far enough to usually find `count`.
        for index in range(60 * count):
            if len(prompts[style]) == count:
                break
            scene = sample_scene(seed, STREAMS["heldout"], index)
            prompt = make_prompt(scene, np.random.default_rng([seed, 29, style_index, index]), style)
            if prompt is not None:
                prompts[style].append(prompt)
    flat = [p for style in PROMPT_STYLES for p in prompts[style]]
    rewrites = upsample_greedy(model, tok, [p.text for p in flat])
    hits = [faithful(p, r) for p, r in zip(flat, rewrites)]
    sound = [h and self_consistent(r) for h, r in zip(hits, rewrites)]

    def rate(flags: list[bool], style: str) -> float | None:
        mine = [f for p, f in zip(flat, flags) if p.style == style]
        return sum(mine) / len(mine) if mine else None

    examples = {}
    for p, r in zip(flat, rewrites):
        examples.setdefault(p.style, {"prompt": p.text, "upsampled": r})
    return {
        "fidelity": {s: rate(hits, s) for s in PROMPT_STYLES},
        "consistent": {s: rate(sound, s) for s in PROMPT_STYLES},
        "prompts": {s: len(prompts[s]) for s in PROMPT_STYLES},
        "mean_words": sum(len(r.split()) for r in rewrites) / max(len(rewrites), 1),
        "examples": examples,
    }


# --- ONNX export ---------------------------------------------------------------------------


class _Graph(nn.Module):
    """One exported entry point: `encode`, or `decode` without a memory mask (the runtime feeds
    one unpadded prompt)."""

    def __init__(self, model: Upsampler, method: str):
        super().__init__()
        self.model, self.method = model, method

    def forward(self, *inputs):
        return getattr(self.model, self.method)(*inputs)


def manifest_entry(vocab_size: int, folder: str = "") -> dict:
    """The `upsampler` component of model.json (docs/model-manifest.md); files inside `folder`."""
    prefix = f"{folder}/" if folder else ""
    memory = tensor("memory", "float32", ["batch", "source", WIDTH])
    return {
        "kind": "upsampler",
        "encoder": {
            "file": f"{prefix}upsampler_encoder.onnx",
            "inputs": {"input_ids": tensor("input_ids", "int64", ["batch", "source"])},
            "outputs": {"memory": memory},
        },
        "decoder": {
            "file": f"{prefix}upsampler_decoder.onnx",
            "inputs": {"memory": memory, "input_ids": tensor("input_ids", "int64", ["batch", "target"])},
            "outputs": {"logits": tensor("logits", "float32", ["batch", "target", vocab_size])},
        },
        "decoding": {
            "strategy": "greedy",
            "bos_id": BOS_ID,
            "eos_id": EOS_ID,
            "pad_id": PAD_ID,
            "max_input_length": UPSAMPLER_MAX_INPUT,
            "max_length": UPSAMPLER_MAX_LENGTH,
        },
    }


def export_upsampler(model: Upsampler, out_dir: Path, folder: str = "") -> dict:
    """Writes upsampler_encoder.onnx and upsampler_decoder.onnx into `out_dir`/`folder`; returns
    the manifest entry (file paths relative to `out_dir`, the bundle)."""
    (out_dir / folder).mkdir(parents=True, exist_ok=True)
    model.eval()
    entry = manifest_entry(model.head.out_features, folder)
    # Traced at batch 2 and unequal lengths so no axis is specialised to a constant.
    source = torch.tensor([[BOS_ID, 10, 11, 12, EOS_ID], [BOS_ID, 13, 14, 15, EOS_ID]])
    target = torch.tensor([[BOS_ID, 20, 21], [BOS_ID, 22, 23]])
    with torch.no_grad():
        memory = model.encode(source)
    # torch 1.13 warns about shape inference of prim::Constant; onnxruntime checks the graphs.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    torch.onnx.export(
        _Graph(model, "encode"), (source,), str(out_dir / entry["encoder"]["file"]), opset_version=OPSET,
        input_names=["input_ids"], output_names=["memory"],
        dynamic_axes={"input_ids": {0: "batch", 1: "source"}, "memory": {0: "batch", 1: "source"}},
    )
    torch.onnx.export(
        _Graph(model, "decode"), (memory, target), str(out_dir / entry["decoder"]["file"]), opset_version=OPSET,
        input_names=["memory", "input_ids"], output_names=["logits"],
        dynamic_axes={"memory": {0: "batch", 1: "source"}, "input_ids": {0: "batch", 1: "target"},
                      "logits": {0: "batch", 1: "target"}},
    )
    return entry

