"""Judge a denoiser on one-object prompts from pure noise: the design proxies' learning curves
(proxy.py) and the long run's (training.image --config v1).

Each held-out prompt is the true descriptive caption of a square scene with exactly one object;
the image is drawn from pure noise (20 steps, guidance 5, the same noise at every checkpoint),
decoded by the VAE and read back by the judge, leniently (`colour`, `shape`, ...: any object
found matches) and strictly (`one_object`, `exact_*`: the judge finds exactly one object and
it matches). Rates come with Wilson 95 % intervals.
"""

import numpy as np
import torch

from ..captioner.tokenizer import Tokenizer
from ..judge.read import read_scene
from ..stats import wilson
from ..world import texts, vocab
from ..world.sample import text_rng
from ..world.scene import Scene, SceneObject, rng_for
from .dataset import LatentNorm, frame
from .sampling import denoise
from .vae import Vae, to_image

# Streams of their own, so these scenes never coincide with the bundle's training images.
TRAIN_STREAM, HELDOUT_STREAM = 20, 21
GUIDANCE = 5.0  # classifier-free guidance of the curves: the bundle's default

HIT_NAMES = ("colour_and_shape", "colour", "shape", "texture", "all_three", "right_cell", "one_object",
             "exact_colour_and_shape", "exact_cell")


def one_object_scene(seed: int, stream: int, index: int) -> tuple[Scene, str]:
    """A square scene with exactly one object, and its descriptive caption."""
    rng = rng_for(seed, stream, index)
    cell = int(rng.integers(9))
    obj = SceneObject(
        shape=vocab.SHAPES[int(rng.integers(len(vocab.SHAPES)))],
        colour=list(vocab.COLOURS)[int(rng.integers(len(vocab.COLOURS)))],
        size=list(vocab.SIZES)[int(rng.integers(len(vocab.SIZES)))],
        texture=vocab.TEXTURES[int(rng.integers(len(vocab.TEXTURES)))],
        row=cell // 3, col=cell % 3,
    )
    background = list(vocab.BACKGROUNDS)[int(rng.integers(len(vocab.BACKGROUNDS)))]
    jitter = (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))
    scene = Scene(seed, stream, index, "square", background, (obj,), (jitter,))
    return scene, texts.descriptive_caption(scene, text_rng(seed, stream, index))


def read_hits(scene: Scene, image: np.ndarray) -> dict[str, bool]:
    """Which of the one-object prompt's facts the judge reads back from `image`: anywhere in it,
    as the suite's one-object check (`right_cell` also asks for the stated position), and
    strictly: `one_object` when the judge finds exactly one object, `exact_*` when that one
    object also has the prompted colour and shape, or sits in the prompted cell. An image
    cluttered with fragments scores on the first kind by luck; only the strict kind says the
    prompt was followed."""
    want = scene.objects[0]
    found = read_scene(image).objects
    single = found[0] if len(found) == 1 else None
    same_shape = [o for o in found if o.shape == want.shape]
    both = [o for o in same_shape if o.colour == want.colour]
    return {
        "colour_and_shape": bool(both),
        "colour": any(o.colour == want.colour for o in found),
        "shape": bool(same_shape),
        "texture": any(o.texture == want.texture for o in same_shape),
        "all_three": any(o.texture == want.texture for o in both),
        "right_cell": any((o.row, o.col) == (want.row, want.col) for o in found),
        "one_object": single is not None,
        "exact_colour_and_shape": single is not None and (single.colour, single.shape) == (want.colour, want.shape),
        "exact_cell": single is not None and (single.row, single.col) == (want.row, want.col),
    }


def rates(counts: dict[str, int], n: int) -> dict:
    return {name: {"rate": k / n, "ci95": [round(v, 4) for v in wilson(k, n)]} for name, k in counts.items()} | {
        "prompts": n}


@torch.no_grad()
def judge_generations(model, vae: Vae, norm: LatentNorm, objective: str, tok: Tokenizer, seed: int,
                      count: int, chunk: int = 50, guidance: float = GUIDANCE) -> dict:
    """Generate every held-out prompt from pure noise and read each image back."""
    counts = dict.fromkeys(HIT_NAMES, 0)
    empty = torch.tensor([frame(tok, "")])
    gen = torch.Generator().manual_seed(seed)  # the same noise at every checkpoint
    side = 128 // vae.downsample
    for start in range(0, count, chunk):
        scenes = [one_object_scene(seed, HELDOUT_STREAM, i) for i in range(start, min(start + chunk, count))]
        ids = torch.tensor([frame(tok, caption) for _, caption in scenes])
        z = torch.randn((len(scenes), 4, side, side), generator=gen)
        z = denoise(model, objective, z, ids, empty, guidance=guidance)
        images = vae.decoder(norm.denormalise(z))
        for (scene, _), image in zip(scenes, images):
            for name, hit in read_hits(scene, to_image(image)).items():
                counts[name] += hit
    return rates(counts, count)
