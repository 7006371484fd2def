"""The image model's section of MODEL_CARD.md, generated from the run's measurements."""

import time
from pathlib import Path

from ..data.bundle import bundle_bytes
from ..model_card import read_sections, write_section
from .prompt_card import prompt_following_lines, reproduce_line
from .vae import LATENT_NOISE

BUDGET_BYTES = 40_000_000
BUDGET_SECONDS = 90 * 60


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _judge_line(acc: dict | None) -> str:
    if not acc:
        return "n/a"
    return ", ".join(f"{a} {_pct(acc[a])}" for a in ("colour", "shape", "texture", "size", "position"))


def _denoiser_where(den: dict) -> str:
    """Where the denoiser trained, and in what precision when the CPU used bf16 for some of it."""
    if den.get("device", "cpu") != "cpu":
        return f" (on one {den['device']}, batch {den['batch_size']})"
    bf16 = den.get("steps_by_precision", {}).get("bf16", 0)
    return f" (bf16 mixed precision for {bf16} of its {den['steps']} steps)" if bf16 else ""


def targets(ev: dict, train_seconds: float, size: int) -> list[tuple[str, bool]]:
    """The targets outside prompt following (those, with their intervals, are prompt_card.py's)."""
    dec = ev.get("decoders", {}).get("methods", {})
    cons, teacher = dec.get("consistency", {}), dec.get("teacher", {})
    return [
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


def _cpu_command(m: dict, quick: str) -> str:
    """The CPU run's command: `v1` for a fresh-data run (a GPU run's base too), else `full`."""
    config = " --config v1" if m["data"].get("fresh") else ""
    return f"/usr/bin/python3 -m training.image{config} --seed {m['seed']}{quick}"


def _reproduce(m: dict, quick: str) -> list[str]:
    seed = m["seed"]
    if m["data"].get("fresh"):
        cpu = ("- The bundle (needs the bundle's captioner restored first, "
               "`/usr/bin/python3 -m training.captioner.from_bundle`; about 6 hours of training on 2 cores plus "
               f"the data cache, every stage resumable): `{_cpu_command(m, quick)}`")
    else:
        cpu = (f"- The bundle (needs the data loop's captioner, `python3 -m training.data --seed {seed}`, first): "
               f"`{_cpu_command(m, quick)}`")
    if m["config"] != "gpu":
        return [cpu]
    return [
        f"- This bundle: the CPU run below, then its denoiser trained again on a GPU machine and everything else "
        f"resumed from the CPU run: `python3 -m training.image.gpu_denoiser train --work W --out D --fresh N "
        f"--captioner C --time-budget-s S --seed {seed}` there (W holding the CPU run's `checkpoints/vae.pt` and "
        "`latent_norm.json`, C the bundle's captioner; N fresh images rendered, recaptioned and encoded there), then "
        f"`/usr/bin/python3 -m training.image.gpu_denoiser install --weights D --base-work training/runs/image-v1-seed{seed} "
        f"--work training/runs/image-gpu-seed{seed}` and `/usr/bin/python3 -m training.image --config gpu --seed {seed}` here. "
        "GPU kernels are not bit-reproducible, so a rerun lands near, not exactly on, these numbers.",
        cpu.replace("- The bundle", "- The CPU path"),
    ]


def _fresh_data_line(data: dict) -> str:
    rates = data["fresh"]["images_per_second_this_run"]
    return ("), rendered fresh and recaptioned by the bundle's own captioner (restored from its ONNX files, "
            "`training.captioner.from_bundle`) into the sharded latent cache (`training.image.cache`; images/s on "
            "the last build: " + ", ".join(f"{stage} {rate}" for stage, rate in rates.items()) + ").")


def write_image_card(out: Path, m: dict, skip_eval: bool = False) -> None:
    if skip_eval and "image-model" in read_sections(out / "MODEL_CARD.md"):
        return  # keep the measured card; an export without evaluation has nothing new to say
    seed, cfg = m["seed"], m["config"]
    quick = " --quick" if cfg.startswith("quick") else ""
    ev = m.get("eval", {})
    gen = ev.get("suite", {}).get("generation", {})
    size = bundle_bytes(out)
    secs = m["seconds"]
    vae, data, den = m["vae"], m["data"], m["denoiser"]
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
        "- Smoke run of every stage at toy sizes: `/usr/bin/python3 -m training.image --quick`",
        f"- The caption ablation (after the bundle run): `/usr/bin/python3 -m training.image.ablation --seed {seed}`",
        reproduce_line(seed),
        "",
        "### Data",
        "",
        f"- {data['images']} unlabelled images of the shapes world (buckets: "
        + ", ".join(f"{b} {n}" for b, n in sorted(data["buckets"].items()))
        + (_fresh_data_line(data) if data.get("fresh") else
           "), recaptioned by the data loop's CPU-path captioner (`full` config, `training/runs/full-seed<N>`; "
           "the bundle's own captioner is the GPU run's, section below)."),
        f"- Training captions: the report's blend, {_pct(data['blend']['ratio'])} descriptive synthetic captions "
        f"and alt-text otherwise (realised {_pct(data['blend']['realised'])}); 10 % of captions dropped to the empty "
        "prompt for classifier-free guidance.",
        "",
        "### Models (ONNX in `image/`, described by `model.json`)",
        "",
        f"- VAE: {m.get('vae_downsample', 8)}× downsampling, 4 latent channels; reconstruction PSNR "
        f"{vae['psnr_db']:.2f} dB on {vae['images']} held-out images" + _noise_psnr(vae) + ". The judge on VAE round trips of ground-truth renders (what any "
        "generator decoding these latents can at best score), per object by the training judge: "
        + _judge_line(vae.get("judge_on_reconstructions")) + " (per prompt category, with intervals: Prompt "
        "following below). The denoiser works on "
        f"per-channel standardised latents (mean {data['latent_norm']['mean']}, std {data['latent_norm']['std']}); "
        "the decoder graphs undo it, so the manifest's scaling factor is 1.",
        f"- Text encoder: {den['params']['text_encoder'] / 1e6:.2f} M parameters (2-layer transformer, 100 tokens). "
        f"U-Net: {den['params']['unet'] / 1e6:.2f} M parameters, 3 stages (latent, ½, ¼), cross-attention at "
        f"every stage; trained {den['steps']} steps × batch {den['batch_size']}"
        + (f" ({den['epochs']} epochs)" if "epochs" in den else "") + ", batches grouped by bucket, "
        + ("rectified flow with logit-normal levels" if den.get("objective") == "flow" else "min-SNR-5 weighting")
        + ", EMA weights exported.",
        "- Consistency decoder: a pixel-space diffusion decoder conditioned on the latents (and the VAE decoder's "
        f"image of them): an EDM teacher ({cons.get('teacher_steps')} steps × batch {cons.get('batch_size')}), "
        f"consistency-distilled (Song et al. 2023, CD with N = 18) for {cons.get('distill_steps')} steps; sampled "
        f"at σ = {cons.get('sigmas')}. Selectable per request; the VAE decoder is the default (table below).",
        "- Upsampler: the bundle's, trained and measured by `python3 -m training.upsampler` (its own section of "
        "this card); the \"+upsample\" prompts below go through it as the runtime serves it.",
        f"- Sampling defaults: {gen}.",
        f"- Bundle size (everything in `models/limner-mini`): {size / 1e6:.2f} MB.",
        "",
        "### Training time (2 CPU cores)",
        "",
        "Wall clock per stage as it ran; a stage resumed from a checkpoint (or, like the recaptioned data and the "
        "upsampler, reused from an earlier run of the same code) counts with the time it took then. A stage that "
        "shared the two cores with other jobs ran slower than it would alone.",
        "",
        *[f"- {name}: {s / 60:.1f} min" + (_denoiser_where(den) if name == "denoiser" else "")
          for name, s in secs.items()],
        f"- Total: {m['train_seconds'] / 60:.1f} min."
        + (f" The CPU path (`v1` config, every stage on the 2 cores) took {m['cpu_train_seconds'] / 60:.1f} min."
           if m.get("cpu_train_seconds") else ""),
        "",
        *prompt_following_lines(ev, _cpu_command(m, quick), seed),
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
