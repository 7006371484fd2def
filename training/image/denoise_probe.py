"""Where does the denoiser lose the scene? A diagnostic, not a card metric.

Each held-out render is encoded by the run's VAE, noised to timestep `t_start` (its layout
and part of its detail survive), denoised back by the run's EMA denoiser on the scene's true
descriptive caption (20 DDIM steps on v-prediction, or 20 Euler steps on rectified flow from
noise level t_start / 1000; classifier-free guidance 5, as the runtime's default),
decoded by the VAE and read by the judge, which matches objects by grid cell. `t_start` 0
is the plain VAE round trip (the VAE's judge cap in the card); 999 is generation from pure
noise. The fall from one level to the next shows which part of the reverse process fails:
colours and layout formed at high noise, shapes and textures drawn in the middle.

    /usr/bin/python3 -m training.image.denoise_probe [--seed 0] [--count 40]

Runs in PyTorch on the run's checkpoints (--work), about a minute per level on 2 cores.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from ..captioner.tokenizer import Tokenizer, build_vocab
from ..judge.accuracy import judge_accuracy
from .config import main_run_work
from .cache import load_run_data
from .dataset import LatentNorm, frame
from .denoiser import TextToLatent
from .sampling import denoise, noise_to
from .vae import Vae, to_image, to_tensor

DEFAULT_STARTS = (0, 300, 600, 999)
SAMPLING_STEPS = 20
GUIDANCE = 5.0


def load_run(work: Path, tok: Tokenizer) -> tuple[Vae, TextToLatent, LatentNorm, str]:
    """The run's VAE, EMA denoiser, latent standardisation and objective ("v" or "flow")."""
    vae = Vae()
    vae.load_state_dict(torch.load(work / "checkpoints" / "vae.pt")["model"])
    state = torch.load(work / "checkpoints" / "denoiser.pt")
    model = TextToLatent.from_state(tok.size, state["ema"])
    # Checkpoints from before the objective was recorded are all v-prediction.
    objective = state.get("objective", "v")
    # The run records its standardisation; only runs from before that need their latents read
    # back (a v1 run's cache is GBs).
    norm = LatentNorm.recorded(work) or LatentNorm.of(load_run_data(work)[1])
    return vae.eval(), model.eval(), norm, objective


@torch.no_grad()
def regenerate(vae: Vae, model: TextToLatent, norm: LatentNorm, objective: str, ids: torch.Tensor,
               empty: torch.Tensor, image: np.ndarray, t_start: int, generator: torch.Generator) -> np.ndarray:
    z = norm.normalise(vae.encode(to_tensor([image])))
    if t_start > 0:
        z = noise_to(objective, z, torch.randn(z.shape, generator=generator), t_start)
        z = denoise(model, objective, z, ids, empty, t_start, SAMPLING_STEPS, GUIDANCE)
    return to_image(vae.decoder(norm.denormalise(z))[0])


def probe(work: Path, seed: int, count: int, starts: tuple[int, ...] = DEFAULT_STARTS, log=print) -> list[dict]:
    tok = Tokenizer(build_vocab())
    vae, model, norm, objective = load_run(work, tok)
    empty = torch.tensor([frame(tok, "")])
    rows = []
    for t_start in starts:
        generator = torch.Generator().manual_seed(seed * 1_000_003 + t_start)  # one stream per level

        def reconstruct(sample, t_start=t_start, generator=generator):
            ids = torch.tensor([frame(tok, sample.descriptive)])
            return regenerate(vae, model, norm, objective, ids, empty, sample.image, t_start, generator)

        row = {"t_start": t_start, **judge_accuracy(seed, count, reconstruct=reconstruct)}
        log(json.dumps(row))
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, help="the image run's work dir (default training/runs/image-seed<N>)")
    ap.add_argument("--count", type=int, default=40, help="held-out renders per level")
    ap.add_argument("--starts", default=",".join(map(str, DEFAULT_STARTS)), help="comma-separated timesteps")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    work = args.work or main_run_work(args.seed)
    return probe(work, args.seed, args.count, tuple(int(s) for s in args.starts.split(",")))


if __name__ == "__main__":
    main()
