"""The image model's section of MODEL_CARD.md, generated from the run's measurements."""

import time
from pathlib import Path

from ..data.bundle import bundle_bytes
from ..model_card import read_sections, write_section
from .vae import LATENT_NOISE

VARIANTS = ("short", "short+upsample", "descriptive", "descriptive+upsample")
CATEGORIES = ("colour", "shape", "texture", "counting", "spatial")
BUDGET_BYTES = 40_000_000
BUDGET_SECONDS = 90 * 60


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _mean(summary: dict, variant: str, category: str):
    return summary.get(variant, {}).get("categories", {}).get(category, {}).get("score", {}).get("mean")


TWO_OBJECT_CATEGORIES = ("colour", "shape", "texture")


def _objects_read(items: list[dict], variant: str) -> str:
    """Mean number of objects the judge read in the images for the 2-object prompts."""
    counts = [len(i["sceneGraph"]["objects"]) for i in items
              if i["variant"] == variant and i["category"] in TWO_OBJECT_CATEGORIES]
    return f"{sum(counts) / len(counts):.2f}" if counts else "n/a"


def _prompt_table(summary: dict, items: list[dict]) -> list[str]:
    lines = ["| prompts | " + " | ".join(CATEGORIES) + " | similarity | objects read (of 2) | ms / image |",
             "|---|" + "---|" * (len(CATEGORIES) + 3)]
    for variant in VARIANTS:
        if variant not in summary:
            continue
        s = summary[variant]
        sim = s.get("similarity", {}).get("mean")
        cells = [_pct(_mean(summary, variant, c)) for c in CATEGORIES]
        lines.append(f"| {variant} | " + " | ".join(cells) +
                     f" | {'n/a' if sim is None else f'{100 * max(sim, 0):.1f}'} | {_objects_read(items, variant)}"
                     f" | {s.get('msPerImage', 0):.0f} |")
    return lines


def _judge_line(acc: dict | None) -> str:
    if not acc:
        return "n/a"
    return ", ".join(f"{a} {_pct(acc[a])}" for a in ("colour", "shape", "texture", "size", "position"))


def targets(ev: dict, train_seconds: float, size: int) -> list[tuple[str, bool]]:
    summary = ev.get("suite", {}).get("summary", {})
    up = {c: _mean(summary, "short+upsample", c) or 0 for c in CATEGORIES}
    plain = {c: _mean(summary, "short", c) or 0 for c in CATEGORIES}
    dec = ev.get("decoders", {}).get("methods", {})
    cons, teacher = dec.get("consistency", {}), dec.get("teacher", {})
    return [
        ("colour binding >= 85 % (short prompts, upsampling on)", up["colour"] >= 0.85),
        ("shape binding >= 80 % (short prompts, upsampling on)", up["shape"] >= 0.80),
        ("texture binding >= 80 % (short prompts, upsampling on)", up["texture"] >= 0.80),
        ("upsampling raises the short-prompt scores (mean of the five)",
         sum(up.values()) > sum(plain.values())),
        ("2-step decoder within 1 dB PSNR of its teacher at >= 10x fewer evaluations",
         bool(cons and teacher) and cons["psnrDb"] >= teacher["psnrDb"] - 1.0
         and teacher["nfe"] >= 10 * cons["nfe"]),
        ("main bundle trains in <= 90 min on 2 CPU cores", train_seconds <= BUDGET_SECONDS),
        ("whole bundle <= 40 MB", size <= BUDGET_BYTES),
    ]


def _noise_psnr(vae: dict) -> str:
    """The VAE's PSNR with noise added to the latents (runs before the noise-trained VAE lack it)."""
    noisy = vae.get("psnr_db_with_latent_noise")
    if not noisy:
        return ""
    levels = " and ".join(f"{float(k):g}" for k in noisy)
    return (f", and {' / '.join(f'{v:.2f}' for v in noisy.values())} dB with Gaussian noise of {levels} of each "
            f"latent channel's spread added (trained to decode latents with up to {LATENT_NOISE:g} of it, so that the "
            "denoiser's small latent errors do not turn into specks and broken stripes)")


def _reproduce(m: dict, quick: str) -> list[str]:
    seed = m["seed"]
    cpu = (f"- The bundle (needs the data loop's captioner, `python3 -m training.data --seed {seed}`, first): "
           f"`cd gpu-runtime && /usr/bin/python3 -m training.image --seed {seed}{quick}`")
    if m["config"] != "gpu":
        return [cpu]
    return [
        f"- This bundle: the CPU run below, then its denoiser trained again on a GPU machine and everything else "
        f"resumed from the CPU run: `python3 -m training.image.gpu_denoiser train --work W --out D --seed {seed}` there "
        "(W holding the CPU run's `checkpoints/vae.pt` and `manifest.jsonl`), then "
        f"`/usr/bin/python3 -m training.image.gpu_denoiser install --weights D --base-work training/runs/image-seed{seed} "
        f"--work training/runs/image-gpu-seed{seed}` and `/usr/bin/python3 -m training.image --config gpu --seed {seed}` here. "
        "GPU kernels are not bit-reproducible, so a rerun lands near, not exactly on, these numbers.",
        cpu.replace("- The bundle", "- The CPU path"),
    ]


def write_image_card(out: Path, m: dict, skip_eval: bool = False) -> None:
    if skip_eval and "image-model" in read_sections(out / "MODEL_CARD.md"):
        return  # keep the measured card; an export without evaluation has nothing new to say
    seed, cfg = m["seed"], m["config"]
    quick = " --quick" if cfg == "quick" else ""
    ev = m.get("eval", {})
    summary = ev.get("suite", {}).get("summary", {})
    gen = ev.get("suite", {}).get("generation", {})
    size = bundle_bytes(out)
    secs = m["seconds"]
    vae, data, den, ups = m["vae"], m["data"], m["denoiser"], m["upsampler"]
    cons = m.get("consistency", {})
    lines = [
        "## Image model (the generation half of the DALL-E 3 recipe)",
        "",
        "Generated by `training/image/card.py` from the run's measurements; do not edit by hand.",
        f"Run: `{cfg}` config, seed {seed}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "### Reproduce",
        "",
        *_reproduce(m, quick),
        "- Smoke run of every stage at toy sizes: `cd gpu-runtime && /usr/bin/python3 -m training.image --quick`",
        f"- The caption ablation (after the bundle run): `cd gpu-runtime && /usr/bin/python3 -m training.image.ablation --seed {seed}`",
        f"- The evaluation alone: `/usr/bin/python3 -m training.image.suite --seed {seed} --per-category "
        f"{m['suite_per_category']} --out S.json --gt-images {m['decoder_eval']} --gt-dir GT` then `npx tsx training/eval_image.ts --bundle models/limner-mini --suite S.json "
        "--out R.json --gt-dir GT --vae-encoder training/runs/image-seed0/eval/vae_encoder.onnx "
        f"--teacher training/runs/image-seed{seed}/eval/consistency_teacher.onnx --teacher-steps {m['teacher_eval_steps']}`",
        "",
        "### Data",
        "",
        f"- {data['images']} unlabelled images of the shapes world (buckets: "
        + ", ".join(f"{b} {n}" for b, n in sorted(data["buckets"].items()))
        + "), recaptioned by the data loop's CPU-path captioner (`full` config, `training/runs/full-seed<N>`; "
        "the bundle's own captioner is the GPU run's, section below).",
        f"- Training captions: the report's blend, {_pct(data['blend']['ratio'])} descriptive synthetic captions "
        f"and alt-text otherwise (realised {_pct(data['blend']['realised'])}); 10 % of captions dropped to the empty "
        "prompt for classifier-free guidance.",
        "",
        "### Models (ONNX in `image/`, described by `model.json`)",
        "",
        f"- VAE: 8× downsampling, 4 latent channels; reconstruction PSNR {vae['psnr_db']:.2f} dB on {vae['images']} "
        "held-out images" + _noise_psnr(vae) + ". The judge on VAE round trips of ground-truth renders (what any "
        "generator decoding these latents can at best score): " + _judge_line(vae.get("judge_on_reconstructions")) + ". The denoiser works on "
        f"per-channel standardised latents (mean {data['latent_norm']['mean']}, std {data['latent_norm']['std']}); "
        "the decoder graphs undo it, so the manifest's scaling factor is 1.",
        f"- Text encoder: {den['params']['text_encoder'] / 1e6:.2f} M parameters (2-layer transformer, 100 tokens). "
        f"U-Net: {den['params']['unet'] / 1e6:.2f} M parameters, 3 stages (latent, ½, ¼), cross-attention at "
        f"every stage; trained {den['steps']} steps × batch {den['batch_size']}, batches grouped by bucket, "
        "min-SNR-5 weighting, EMA weights exported.",
        "- Consistency decoder: a pixel-space diffusion decoder conditioned on the latents (and the VAE decoder's "
        f"image of them): an EDM teacher ({cons.get('teacher_steps')} steps × batch {cons.get('batch_size')}), "
        f"consistency-distilled (Song et al. 2023, CD with N = 18) for {cons.get('distill_steps')} steps; sampled "
        f"at σ = {cons.get('sigmas')}. Selectable per request; the VAE decoder is the default (table below).",
        "- Upsampler: seq2seq transformer from short prompts to descriptive captions. Fidelity on held-out short "
        "prompts (every mentioned object and attribute kept, nothing added), by prompt style: "
        + ", ".join(f"{k} {_pct(v)}" for k, v in ups["fidelity"].items()) + f"; mean rewrite {ups['mean_words']:.0f} words.",
        f"- Sampling defaults: {gen}.",
        f"- Bundle size (everything in `models/limner-mini`): {size / 1e6:.2f} MB.",
        "",
        "### Training time (2 CPU cores)",
        "",
        "Wall clock per stage as it ran; a stage resumed from a checkpoint (or, like the recaptioned data and the "
        "upsampler, reused from an earlier run of the same code) counts with the time it took then. A stage that "
        "shared the two cores with other jobs ran slower than it would alone.",
        "",
        *[f"- {name}: {s / 60:.1f} min" + (f" (on one {den['device']}, batch {den['batch_size']})"
                                           if name == "denoiser" and den.get("device", "cpu") != "cpu" else "")
          for name, s in secs.items()],
        f"- Total: {m['train_seconds'] / 60:.1f} min."
        + (f" The CPU path (`full` config, every stage on the 2 cores) took {m['cpu_train_seconds'] / 60:.1f} min."
           if m.get("cpu_train_seconds") else ""),
        "",
        "### Prompt following, through the exported ONNX models",
        "",
        "Held-out prompt suite (`training/image/suite.py`), one image per prompt and variant, generated by the "
        "runtime's own pipelines on onnxruntime-node; the judge reads each image back and scores it against what the "
        "user's prompt states (T2I-CompBench-style). Colour, shape and texture use 2-object prompts. Similarity is "
        "the captioner's contrastive-tower score (100 × cosine). Objects read: how many objects the judge finds, "
        "on average, in the images for the 2-object prompts. Binding scores ask only whether some object of the "
        "named shape has the named attribute, so extra objects (specks, repeats) can match by chance: read the "
        "binding columns together with this one.",
        "",
        *(_prompt_table(summary, ev["suite"].get("items", [])) if summary else ["(not evaluated in this run)"]),
        "",
    ]
    dec = ev.get("decoders", {}).get("methods", {})
    if dec:
        lines += ["### Decoders on ground-truth latents", "",
                  "| decoder | PSNR | network evaluations | ms / image |", "|---|---|---|---|"]
        for name, d in dec.items():
            lines.append(f"| {name} | {d['psnrDb']:.2f} dB | {d['nfe']} | {d['msPerImage']:.1f} |")
        lines.append("")
    lines += ["### Targets", ""]
    cpu_seconds = m.get("cpu_train_seconds") or m["train_seconds"]
    lines += [f"- Target {'met' if ok else 'NOT met'}: {name}." for name, ok in targets(ev, cpu_seconds, size)]
    lines += [
        "",
        "### Limits",
        "",
        "- Knows only the shapes world: prompts about anything else produce shapes.",
        "- Words outside the 136-word vocabulary become [UNK]; the learned upsampler only rewrites prompts in the "
        "world's own vocabulary.",
        "",
    ]
    write_section(out, "image-model", "\n".join(lines))
