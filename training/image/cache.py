"""Fresh recaptioned data at scale: a resumable, sharded latent + caption cache.

The denoiser of limner-mini 0.4 saw 12,000 distinct images (13 epochs on the CPU): below the
10^4-10^5 distinct images where diffusion models stop memorising and start to generalise
(Kadkhodaie et al., ICLR 2024). The world is procedural and free; only recaptioning and
encoding cost. This writes the unlabelled stream's first `count` images as shards of `shard`
images each, every shard one file holding the captioner's short and descriptive captions
(and the alt-text) of each image and the frozen VAE's latents, grouped by aspect bucket:

    shard-00012.pt = {"rows": [manifest row, ...], "latents": {bucket: [n, 4, h, w]},
                      "positions": {bucket: row positions of those latents}}

Shards are written beside then renamed, so a killed build resumes at the first missing shard
and never reads half a file. Rendering runs in `--workers` processes; captioning and encoding
run on `--device` (a GPU where there is one).

    /usr/bin/python3 -m training.image.cache --vae VAE.pt --captioner CAPTIONER.pt --count 200000
    /usr/bin/python3 -m training.image.cache --quick            # random weights, toy sizes (tests)

Rates (images/s) for each stage and an ETA are logged per shard, and `cache.json` records
what the cache holds and how long it took.
"""

import argparse
import json
import os
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import torch

from ..captioner.model import Captioner
from ..captioner.tokenizer import Tokenizer, build_vocab
from ..paths import RUNS
from ..recaption.manifest import caption_rows, read_manifest
from ..world.sample import Sample, make_sample
from ..world.scene import STREAMS
from .checkpoint import save_atomic
from .dataset import LatentSet
from .vae import DOWNSAMPLE, Vae, to_tensor


def _render(args: tuple[int, int, int]) -> Sample:
    return make_sample(*args)


def load_captioner(path: Path | None, vocab_size: int) -> Captioner:
    """A frozen captioner from a checkpoint (a training run's, or from_bundle's); random weights
    for toy runs when `path` is None."""
    captioner = Captioner(vocab_size)
    if path is not None:
        state = torch.load(path, map_location="cpu")
        captioner.load_state_dict(state.get("model", state))
    return captioner.requires_grad_(False).eval()


def shard_path(out: Path, shard: int) -> Path:
    return out / f"shard-{shard:05d}.pt"


@torch.no_grad()
def build_cache(out: Path, vae: Vae, captioner: Captioner, tok: Tokenizer, seed: int, count: int,
                shard: int = 4096, workers: int = 1, batch_size: int = 128, log=print) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    device = next(vae.parameters()).device
    shards = (count + shard - 1) // shard
    stream = STREAMS["unlabelled"]
    spent = {"render": 0.0, "caption": 0.0, "encode": 0.0}
    built = 0
    started = time.time()
    with Pool(workers) if workers > 1 else _InProcess() as pool:
        for k in range(shards):
            if shard_path(out, k).exists():
                continue
            indices = range(k * shard, min((k + 1) * shard, count))
            t0 = time.time()
            samples = pool.map(_render, [(seed, stream, i) for i in indices], chunksize=64)
            t1 = time.time()
            rows = caption_rows(captioner, tok, samples, batch_size)
            t2 = time.time()
            positions: dict[str, list[int]] = {}
            for p, s in enumerate(samples):
                positions.setdefault(s.scene.bucket, []).append(p)
            latents = {}
            for bucket, ps in positions.items():
                chunks = [vae.encode(to_tensor([samples[p].image for p in ps[i : i + batch_size]]).to(device)).cpu()
                          for i in range(0, len(ps), batch_size)]
                latents[bucket] = torch.cat(chunks).half()  # 2 bytes a value: 200k images fit in ~1 GB
            t3 = time.time()
            save_atomic({"rows": rows, "latents": latents,
                         "positions": {b: torch.tensor(ps) for b, ps in positions.items()}}, shard_path(out, k))
            spent["render"] += t1 - t0
            spent["caption"] += t2 - t1
            spent["encode"] += t3 - t2
            built += len(indices)
            rate = built / (time.time() - started)
            left = sum(1 for j in range(k + 1, shards) if not shard_path(out, j).exists())
            log(f"  cache: shard {k + 1}/{shards} ({len(indices)} images; render {len(indices) / (t1 - t0):.0f}/s, "
                f"caption {len(indices) / (t2 - t1):.1f}/s, encode {len(indices) / (t3 - t2):.0f}/s; "
                f"eta {left * shard / rate / 60:.1f} min)")
    summary = {"seed": seed, "count": count, "shard": shard, "shards": shards, "downsample": vae.downsample,
               "device": str(device), "workers": workers,
               "seconds_this_run": {k: round(v, 1) for k, v in spent.items()},
               "images_per_second_this_run": {k: round(built / v, 1) for k, v in spent.items() if v > 0}}
    if built or not (out / "cache.json").exists():  # a reader with nothing to build leaves the record be
        (out / "cache.json").write_text(json.dumps(summary, indent=1))
    return summary


class _InProcess:
    """`Pool`'s map in this process (one worker: no process start-up, no pickling)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items, chunksize: int = 1):
        return [fn(item) for item in items]


def load_cache(out: Path) -> tuple[list[dict], dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Every shard, concatenated: rows, float latents per bucket, and their row numbers."""
    rows: list[dict] = []
    latents: dict[str, list[torch.Tensor]] = {}
    positions: dict[str, list[torch.Tensor]] = {}
    for path in sorted(out.glob("shard-*.pt")):
        data = torch.load(path)
        for bucket, z in data["latents"].items():
            latents.setdefault(bucket, []).append(z.float())
            positions.setdefault(bucket, []).append(data["positions"][bucket] + len(rows))
        rows += data["rows"]
    return (rows, {b: torch.cat(v) for b, v in latents.items()}, {b: torch.cat(v) for b, v in positions.items()})


def load_training_data(out: Path) -> tuple[list[dict], LatentSet]:
    """The cache as a denoiser's training data: manifest rows and their latents per bucket."""
    rows, latents, positions = load_cache(out)
    return rows, LatentSet(latents, {b: p.numpy() for b, p in positions.items()})


def load_run_data(work: Path) -> tuple[list[dict], LatentSet]:
    """A `training.image` run's training data: its sharded cache (fresh-data configs such as
    `v1`), or its recaptioned manifest and latents (`full`)."""
    if (work / "cache").is_dir():
        return load_training_data(work / "cache")
    return read_manifest(work / "manifest.jsonl"), LatentSet.load(work / "latents.pt")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", type=Path, help="VAE checkpoint (training.image's vae.pt or a proxy's vae<D>.pt)")
    ap.add_argument("--downsample", type=int, default=DOWNSAMPLE, choices=(4, 8))
    ap.add_argument("--captioner", type=Path, help="the data loop's captioner checkpoint")
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--shard", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="default training/runs/cache-seed<N>-d<D>")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=1, help="rendering processes")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="random weights, 3 shards of 2 images")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    tok = Tokenizer(build_vocab())
    torch.manual_seed(args.seed)  # --quick's random weights are the same in every run
    vae = Vae(args.downsample)
    if args.quick:
        args.count, args.shard = 6, 2
        out = args.out or Path(tempfile.mkdtemp(prefix="limner-cache-quick-"))
    else:
        if args.vae is None or args.captioner is None:
            ap.error("--vae and --captioner are required (or --quick)")
        for path in (args.vae, args.captioner):
            if not path.exists():
                ap.error(f"{path} not found")
        vae.load_state_dict(torch.load(args.vae, map_location="cpu")["model"])
        out = args.out or RUNS / f"cache-seed{args.seed}-d{args.downsample}"
    captioner = load_captioner(None if args.quick else args.captioner, tok.size).to(args.device)
    vae.to(args.device).eval()
    summary = build_cache(out, vae, captioner, tok, args.seed, args.count, args.shard, args.workers)
    print(json.dumps({"out": os.fspath(out), **summary}))
    return summary


if __name__ == "__main__":
    main()
