"""Builds a tiny, randomly initialised Stable Diffusion in the diffusers/Optimum ONNX layout.

The fixture exists so the runtime's ONNX backend, worker pool, tokenizer and pipelines can be
tested against the *same folder layout, tensor names and dtypes* that community exports use,
without downloading anything. Weights are random (seeded): outputs are meaningless images,
but they are deterministic, and every input (ids, timestep, text states) changes the output.

Usage (from gpu-runtime/):
    /usr/bin/python3 fixtures-src/make_tiny_sd.py --out test/fixtures/tiny-sd

Layout and tensor names follow Optimum's ONNX configs (optimum/exporters/onnx/model_configs.py:
CLIPTextOnnxConfig, UNetOnnxConfig, VaeDecoderOnnxConfig) as loaded by diffusers'
OnnxStableDiffusionPipeline / Optimum's ORTStableDiffusionPipeline:

    text_encoder/model.onnx  input_ids int32 [batch, sequence]
                             -> last_hidden_state f32 [batch, sequence, hidden], pooler_output f32 [batch, hidden]
    unet/model.onnx          sample f32 [batch, 4, h, w], timestep f32 [batch or 1],
                             encoder_hidden_states f32 [batch, sequence, hidden] -> out_sample f32 [batch, 4, h, w]
    vae_decoder/model.onnx   latent_sample f32 [batch, 4, h, w] -> sample f32 [batch, 3, 8h, 8w]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn

SEED = 20240917
MAX_LENGTH = 77
HIDDEN = 32
LATENT_CHANNELS = 4
OPSET = 17

# The vocabulary is learnt from these words only; anything else falls back to byte-level pieces.
WORDS = """
a an the of on in at to and with above below left right next beside behind front top bottom
middle center corner near far one two three four five six seven eight nine ten some many
red green blue yellow orange purple pink brown black white gray grey cyan magenta gold silver
circle circles square squares triangle triangles star stars hexagon hexagons diamond diamonds
heart hearts ring rings cross crosses shape shapes object objects
small large big tiny huge medium striped dotted checkered plain pattern texture
background image photo picture scene drawing render of a an is are there
light dark bright pale deep over under between around sitting lying placed
cat dog tree house sky sun moon water river mountain city car person
""".split()


# --- tokenizer -------------------------------------------------------------------------------


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable unicode map (openai/CLIP simple_tokenizer.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def learn_bpe(words: list[str], num_merges: int) -> list[tuple[str, str]]:
    """Plain BPE (Sennrich et al. 2016) over words whose last symbol carries CLIP's `</w>`."""
    byte_map = bytes_to_unicode()
    corpus = Counter(words)
    seqs = {}
    for w in corpus:
        chars = [byte_map[b] for b in w.encode("utf-8")]
        seqs[w] = chars[:-1] + [chars[-1] + "</w>"]
    merges: list[tuple[str, str]] = []
    for _ in range(num_merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for w, syms in seqs.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += corpus[w]
        if not pairs:
            break
        # Ties broken lexicographically so the result never depends on dict order.
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        for w, syms in seqs.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            seqs[w] = out
    return merges


def build_tokenizer(out: str) -> int:
    """Writes vocab.json/merges.txt (CLIP's files) and tokenizer.json (HF tokenizers format)."""
    byte_map = bytes_to_unicode()
    # CLIP's vocabulary order: 256 byte symbols, the same with </w>, merges, then the specials.
    vocab_list = list(byte_map.values())
    vocab_list += [v + "</w>" for v in vocab_list]
    merges = learn_bpe(WORDS, 400)
    vocab_list += ["".join(m) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    assert len(vocab) == len(vocab_list), "duplicate vocabulary entry"
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]

    tdir = os.path.join(out, "tokenizer")
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(tdir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")

    def added(i: int, content: str) -> dict:
        return {
            "id": i,
            "content": content,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": True,
            "special": True,
        }

    # Mirrors the tokenizer.json that transformers' CLIPTokenizerFast writes for openai/clip-*.
    tokenizer_json = {
        "version": "1.0",
        "truncation": {
            "direction": "Right",
            "max_length": MAX_LENGTH,
            "strategy": "LongestFirst",
            "stride": 0,
        },
        "padding": {
            "strategy": {"Fixed": MAX_LENGTH},
            "direction": "Right",
            "pad_to_multiple_of": None,
            "pad_id": eos,
            "pad_type_id": 0,
            "pad_token": "<|endoftext|>",
        },
        "added_tokens": [added(bos, "<|startoftext|>"), added(eos, "<|endoftext|>")],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "NFC"},
                {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
                {"type": "Lowercase"},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split",
                    "pattern": {
                        "Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|"
                        "[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"
                    },
                    "behavior": "Removed",
                    "invert": True,
                },
                {
                    "type": "ByteLevel",
                    "add_prefix_space": False,
                    "trim_offsets": True,
                    "use_regex": False,
                },
            ],
        },
        "post_processor": {
            "type": "RobertaProcessing",
            "sep": ["<|endoftext|>", eos],
            "cls": ["<|startoftext|>", bos],
            "trim_offsets": False,
            "add_prefix_space": False,
        },
        # CLIP marks word ends with </w>; turn each into a space, undo the byte map, then drop
        # the trailing space the last word leaves.
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "</w>"}, "content": byte_map[ord(" ")]},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
                {"type": "Strip", "content": " ", "start": 0, "stop": 1},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<|endoftext|>",
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "</w>",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }
    with open(os.path.join(tdir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json, f, ensure_ascii=False)
    with open(os.path.join(tdir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "tokenizer_class": "CLIPTokenizer",
                "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>",
                "pad_token": "<|endoftext|>",
                "model_max_length": MAX_LENGTH,
                "do_lower_case": True,
                "clean_up_tokenization_spaces": True,
            },
            f,
            indent=2,
        )
    with open(os.path.join(tdir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>",
                "pad_token": "<|endoftext|>",
            },
            f,
            indent=2,
        )
    return len(vocab)


# --- models ----------------------------------------------------------------------------------


class TinyCLIPText(nn.Module):
    """One pre-LN causal transformer layer, like CLIPTextModel with num_hidden_layers=1."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, HIDDEN)
        self.position_embedding = nn.Parameter(torch.randn(MAX_LENGTH, HIDDEN) * 0.02)
        self.ln1 = nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.proj = nn.Linear(HIDDEN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN)
        self.mlp = nn.Sequential(nn.Linear(HIDDEN, 2 * HIDDEN), nn.GELU(), nn.Linear(2 * HIDDEN, HIDDEN))
        self.final_layer_norm = nn.LayerNorm(HIDDEN)
        self.register_buffer("causal", torch.triu(torch.full((MAX_LENGTH, MAX_LENGTH), -1e9), 1))

    def forward(self, input_ids: torch.Tensor):
        ids = input_ids.long()
        seq = ids.shape[1]
        x = self.token_embedding(ids) + self.position_embedding[:seq]
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        att = (q @ k.transpose(1, 2)) / math.sqrt(HIDDEN) + self.causal[:seq, :seq]
        x = x + self.proj(att.softmax(-1) @ v)
        x = x + self.mlp(self.ln2(x))
        last = self.final_layer_norm(x)
        # CLIP pools at the EOS token, i.e. the highest id in the row (transformers' CLIPTextTransformer).
        eos_pos = ids.float().argmax(dim=-1)
        pooled = last.gather(1, eos_pos.reshape(-1, 1, 1).expand(-1, 1, HIDDEN)).reshape(-1, HIDDEN)
        return last, pooled


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding as diffusers' get_timestep_embedding (flip_sin_to_cos=True)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float().reshape(-1, 1) * freqs.reshape(1, -1)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TinyUNet(nn.Module):
    """conv_in -> res(t) -> down x2 -> cross-attention on text -> up x2 (+skip) -> conv_out."""

    def __init__(self):
        super().__init__()
        c = 32
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, c, 3, padding=1)
        self.time_mlp = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, c))
        self.norm1 = nn.GroupNorm(8, c)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.down = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.norm_attn = nn.GroupNorm(8, c)
        self.to_q = nn.Linear(c, c, bias=False)
        self.to_k = nn.Linear(HIDDEN, c, bias=False)
        self.to_v = nn.Linear(HIDDEN, c, bias=False)
        self.to_out = nn.Linear(c, c)
        self.up_conv = nn.Conv2d(c, c, 3, padding=1)
        self.norm_out = nn.GroupNorm(8, 2 * c)
        self.conv_out = nn.Conv2d(2 * c, LATENT_CHANNELS, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_mlp(timestep_embedding(timestep, 32))
        h = self.conv_in(sample)
        skip = h + self.conv1(F.silu(self.norm1(h))) + temb[:, :, None, None]
        x = self.down(skip)
        b, c, hh, ww = x.shape
        tokens = self.norm_attn(x).flatten(2).transpose(1, 2)  # [b, hh*ww, c]
        q = self.to_q(tokens)
        k = self.to_k(encoder_hidden_states)
        v = self.to_v(encoder_hidden_states)
        att = (q @ k.transpose(1, 2) / math.sqrt(c)).softmax(-1)
        x = x + self.to_out(att @ v).transpose(1, 2).reshape(b, c, hh, ww)
        x = self.up_conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        x = torch.cat([x, skip], dim=1)
        return self.conv_out(F.silu(self.norm_out(x)))


class TinyVaeDecoder(nn.Module):
    """post_quant_conv, then three nearest-upsample+conv stages: 8x spatial, like SD's VAE."""

    def __init__(self):
        super().__init__()
        c = 16
        self.post_quant_conv = nn.Conv2d(LATENT_CHANNELS, LATENT_CHANNELS, 1)
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, c, 3, padding=1)
        self.ups = nn.ModuleList([nn.Conv2d(c, c, 3, padding=1) for _ in range(3)])
        self.norm_out = nn.GroupNorm(4, c)
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, latent_sample):
        x = self.conv_in(self.post_quant_conv(latent_sample))
        for conv in self.ups:
            x = F.silu(conv(F.interpolate(x, scale_factor=2.0, mode="nearest")))
        return torch.tanh(self.conv_out(F.silu(self.norm_out(x))))


def export(model: nn.Module, args: tuple, path: str, inputs: list[str], outputs: list[str], axes: dict):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(
            model,
            args,
            path,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
        )


def write_json(path: str, data: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--save-torch",
        metavar="DIR",
        help="also save the PyTorch weights (state dicts) there, for eager-vs-ONNX benchmarks",
    )
    args = parser.parse_args()
    out = args.out
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)

    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)

    vocab_size = build_tokenizer(out)

    text_encoder = TinyCLIPText(vocab_size)
    ids = torch.full((2, MAX_LENGTH), vocab_size - 1, dtype=torch.int32)
    ids[:, 0] = vocab_size - 2
    export(
        text_encoder,
        (ids,),
        os.path.join(out, "text_encoder", "model.onnx"),
        ["input_ids"],
        ["last_hidden_state", "pooler_output"],
        {
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
            "pooler_output": {0: "batch_size"},
        },
    )

    unet = TinyUNet()
    export(
        unet,
        (torch.randn(2, 4, 8, 12), torch.tensor([10.0, 10.0]), torch.randn(2, MAX_LENGTH, HIDDEN)),
        os.path.join(out, "unet", "model.onnx"),
        ["sample", "timestep", "encoder_hidden_states"],
        ["out_sample"],
        {
            "sample": {0: "batch_size", 2: "height", 3: "width"},
            # diffusers' pipeline feeds np.array([t]) (shape [1]); batched callers may pass [batch].
            "timestep": {0: "timestep_batch"},
            "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
            "out_sample": {0: "batch_size", 2: "height", 3: "width"},
        },
    )

    vae_decoder = TinyVaeDecoder()
    export(
        vae_decoder,
        (torch.randn(2, 4, 8, 12),),
        os.path.join(out, "vae_decoder", "model.onnx"),
        ["latent_sample"],
        ["sample"],
        {
            "latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"},
            "sample": {0: "batch_size", 2: "height", 3: "width"},
        },
    )

    write_json(
        os.path.join(out, "model_index.json"),
        {
            "_class_name": "OnnxStableDiffusionPipeline",
            "_diffusers_version": "0.30.0",
            "feature_extractor": [None, None],
            "requires_safety_checker": False,
            "safety_checker": [None, None],
            "scheduler": ["diffusers", "PNDMScheduler"],
            "text_encoder": ["onnxruntime", "OnnxRuntimeModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["onnxruntime", "OnnxRuntimeModel"],
            "vae_decoder": ["onnxruntime", "OnnxRuntimeModel"],
            "vae_encoder": [None, None],
        },
    )
    # Stable Diffusion v1.5's scheduler/scheduler_config.json.
    write_json(
        os.path.join(out, "scheduler", "scheduler_config.json"),
        {
            "_class_name": "PNDMScheduler",
            "_diffusers_version": "0.30.0",
            "beta_end": 0.012,
            "beta_schedule": "scaled_linear",
            "beta_start": 0.00085,
            "clip_sample": False,
            "num_train_timesteps": 1000,
            "prediction_type": "epsilon",
            "set_alpha_to_one": False,
            "skip_prk_steps": True,
            "steps_offset": 1,
            "timestep_spacing": "leading",
            "trained_betas": None,
        },
    )
    write_json(
        os.path.join(out, "text_encoder", "config.json"),
        {
            "architectures": ["CLIPTextModel"],
            "model_type": "clip_text_model",
            "hidden_size": HIDDEN,
            "intermediate_size": 2 * HIDDEN,
            "num_attention_heads": 1,
            "num_hidden_layers": 1,
            "max_position_embeddings": MAX_LENGTH,
            "vocab_size": vocab_size,
            "bos_token_id": vocab_size - 2,
            "eos_token_id": vocab_size - 1,
            "pad_token_id": vocab_size - 1,
        },
    )
    write_json(
        os.path.join(out, "unet", "config.json"),
        {
            "_class_name": "UNet2DConditionModel",
            "_diffusers_version": "0.30.0",
            "in_channels": LATENT_CHANNELS,
            "out_channels": LATENT_CHANNELS,
            "cross_attention_dim": HIDDEN,
            "block_out_channels": [32],
            "sample_size": 8,
        },
    )
    write_json(
        os.path.join(out, "vae_decoder", "config.json"),
        {
            "_class_name": "AutoencoderKL",
            "_diffusers_version": "0.30.0",
            "in_channels": 3,
            "out_channels": 3,
            "latent_channels": LATENT_CHANNELS,
            "block_out_channels": [16, 16, 16, 16],
            "up_block_types": ["UpDecoderBlock2D"] * 4,
            "down_block_types": ["DownEncoderBlock2D"] * 4,
            "sample_size": 64,
            "scaling_factor": 0.18215,
        },
    )
    if args.save_torch:
        os.makedirs(args.save_torch, exist_ok=True)
        for name, module in (("text_encoder", text_encoder), ("unet", unet), ("vae_decoder", vae_decoder)):
            torch.save(module.state_dict(), os.path.join(args.save_torch, f"{name}.pt"))
        write_json(os.path.join(args.save_torch, "config.json"), {"vocab_size": vocab_size})
    shutil.copyfile(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny-sd-README.md"),
        os.path.join(out, "README.md"),
    )
    print(f"wrote {out} (vocab {vocab_size})")


if __name__ == "__main__":
    main()
