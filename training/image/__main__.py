"""The limner-mini image model with one command, deterministic for a seed:

    /usr/bin/python3 -m training.image [--config full|v1|gpu] [--quick] [--seed N] [--out DIR] [--work DIR]

Stages: VAE -> recaption + latents -> text encoder + U-Net on the 95 % descriptive blend ->
consistency decoder (teacher, then 2-step distillation) -> export into
the bundle (model.json gains the generation components) -> evaluation through the exported
ONNX models (onnxruntime-node, gpu-runtime/eval/eval-image.ts) -> model card section.

The prompt upsampler has its own command (`python3 -m training.upsampler`); the evaluation's
short+upsample prompts use the bundle's. `full` (limner-mini 0.x) needs the data loop's
captioner (`python3 -m training.data`, same seed) to recaption 12k unlabelled images; `v1`
(limner-mini 1.0: rectified flow on 200k fresh images, about 6 hours on 2 cores plus the data
cache) recaptions with the bundle's own captioner (`python3 -m training.captioner.from_bundle`)
into the sharded cache. Finished stages found in --work are resumed (the cache shard by shard,
the denoiser from its last checkpoint), so pass a fresh --work after code changes. The default
run writes models/limner-mini; --quick runs every stage at toy sizes into a temp dir (random
captioner weights) in about a minute.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from ..captioner.from_bundle import DEFAULT_OUT as BUNDLE_CAPTIONER
from ..captioner.tokenizer import SPECIALS, Tokenizer, build_vocab
from ..model_card import write_section
from ..paths import BUNDLE
from ..upsampler.export import copy_upsampler
from .bundle import merge_manifest
from .card import write_image_card
from .config import CONFIGS, QUICK, QUICK_OF, RUNS, TRAINING_BLEND
from .cache import build_cache, load_captioner, load_training_data
from .consistency import distill, measure_decoders, train_teacher
from .consistency_export import export_consistency, export_teacher
from .dataset import LatentNorm, LatentSet, blend_ids, encode_latents, frame, recaption
from .evaluate import evaluate_bundle
from .export import Denormalised, export_text_to_latent, export_vae_decoder, export_vae_encoder
from .one_object_probe import judge_generations
from .train_denoiser import train_denoiser
from .vae_encoder_export import FILE as VAE_ENCODER_FILE
from .vae_encoder_export import encoder_entry, own_encoder_section
from .vae import VAE_LR, measure_vae, train_vae

STAGES = ("vae", "data", "denoiser", "consistency")


def captioner_checkpoint(seed: int) -> Path:
    return RUNS / f"full-seed{seed}" / "checkpoints" / "stage_descriptive_polish2.pt"


def measured_once(checkpoint: Path, measure) -> dict:
    """`measure()`'s result for this exact checkpoint file, kept beside it: a run resumed across
    sessions does not re-evaluate a finished stage (the VAE's takes over a minute)."""
    record = checkpoint.with_suffix(".eval.json")
    stamp = [checkpoint.stat().st_size, checkpoint.stat().st_mtime_ns]
    kept = json.loads(record.read_text()) if record.exists() else {}
    if kept.get("checkpoint") == stamp:
        return kept["metrics"]
    metrics = measure()
    record.write_text(json.dumps({"checkpoint": stamp, "metrics": metrics}))
    return metrics


def fresh_data(cache: Path, vae, tok: Tokenizer, seed: int, count: int, quick: bool, workers: int,
               log) -> tuple[list[dict], LatentSet, dict]:
    """`count` fresh images through the sharded cache (resumes at its first missing shard),
    recaptioned by the bundle's own captioner (random weights with --quick)."""
    if not quick and not BUNDLE_CAPTIONER.exists():
        raise SystemExit(f"{BUNDLE_CAPTIONER.name} not found: run "
                         "`/usr/bin/python3 -m training.captioner.from_bundle` first")
    captioner = load_captioner(None if quick else BUNDLE_CAPTIONER, tok.size)
    summary = build_cache(cache, vae.eval(), captioner, tok, seed, count, shard=2 if quick else 4096,
                          workers=workers, log=log)
    # A build killed part-way resumes across sessions: add up the seconds of every run, and keep
    # the rates of the last run that did any work.
    summary_file = cache / "build.json"
    before = json.loads(summary_file.read_text()) if summary_file.exists() else {"seconds_total": 0.0}
    if summary["images_per_second_this_run"] or not summary_file.exists():
        summary["seconds_total"] = before["seconds_total"] + sum(summary["seconds_this_run"].values())
        summary_file.write_text(json.dumps(summary, indent=1))
    summary = json.loads(summary_file.read_text())
    log(f"  cache: {json.dumps(summary['images_per_second_this_run'])} images/s")
    return *load_training_data(cache), summary


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="every stage at toy sizes (about a minute)")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full",
                    help="run sizes; `gpu` resumes a denoiser trained by training.image.gpu_denoiser")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="bundle dir (default: models/limner-mini, or a temp dir with --quick)")
    ap.add_argument("--work", type=Path, help="scratch dir (default: training/runs/image-seed<N>, or inside --out with --quick)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="rendering processes for a fresh-data config")
    ap.add_argument("--skip-eval", action="store_true", help="export only; keep the card's previous evaluation")
    ap.add_argument("--stop-after", choices=STAGES, help="train up to this stage (its checkpoints kept) and stop")
    args = ap.parse_args(argv)
    cfg = QUICK_OF.get(args.config, QUICK) if args.quick else CONFIGS[args.config]
    out = args.out or (Path(tempfile.mkdtemp(prefix="limner-image-quick-")) if args.quick else BUNDLE)
    run_name = f"image-seed{args.seed}" if cfg.name == "full" else f"image-{cfg.name}-seed{args.seed}"
    work = args.work or ((out / "work") if args.quick else RUNS / run_name)
    copy_upsampler(BUNDLE, out)  # a no-op for the committed bundle, which has its own
    ckpt = work / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    # Denormal floats can make CPU steps many times slower; they carry nothing we need.
    torch.set_flush_denormal(True)
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:7.1f}s] {msg}", flush=True)

    seconds: dict[str, float] = {}
    metrics: dict = {"seed": args.seed, "config": cfg.name, "seconds": seconds, "vae_downsample": cfg.vae_downsample,
                     "suite_per_category": cfg.suite_per_category, "decoder_eval": cfg.decoder_eval,
                     "teacher_eval_steps": cfg.teacher_eval_steps}
    log(f"limner-mini image model: config={cfg.name} seed={args.seed} out={out} work={work}")
    tok = Tokenizer(build_vocab())
    special_ids = {t: tok.id(t) for t in SPECIALS}

    log(f"stage 1/6 vae: {cfg.vae_downsample}x downsampling, 4 latent channels")
    vae, seconds["vae"] = train_vae(args.seed, cfg.vae_steps, cfg.vae_batch, cfg.vae_crop, VAE_LR, ckpt / "vae.pt", log,
                                    downsample=cfg.vae_downsample)
    vae.requires_grad_(False)
    metrics["vae"] = measured_once(ckpt / "vae.pt", lambda: measure_vae(vae, args.seed, cfg.vae_eval))
    log(f"  {json.dumps(metrics['vae'])}")
    if args.stop_after == "vae":
        return metrics

    started = time.time()
    if cfg.fresh_images:
        log(f"stage 2/6 data: {cfg.fresh_images} fresh unlabelled images recaptioned and encoded "
            "into the sharded cache, caption blend")
        rows, latents, cache_summary = fresh_data(work / "cache", vae, tok, args.seed, cfg.fresh_images,
                                                  args.quick, args.workers, log)
    else:
        log(f"stage 2/6 data: recaption {cfg.recaption_size} unlabelled images, encode latents, caption blend")
        rows = recaption(None if args.quick else captioner_checkpoint(args.seed), tok, args.seed,
                         cfg.recaption_size, work / "manifest.jsonl", log)
        latents = encode_latents(vae, rows, work / "latents.pt", log=log)
    kind, ratio = TRAINING_BLEND
    caption_ids, realised = blend_ids(tok, rows, ratio, kind, args.seed)
    norm = LatentNorm.of(latents)
    # A GPU denoiser trained from this work dir (gpu_denoiser) standardises its latents the same way.
    norm.record(work)
    # Recaptioning and encoding are reused from --work when present: keep the time they took.
    data_time = work / "data_seconds.json"
    if not data_time.exists():
        spent = cache_summary["seconds_total"] if cfg.fresh_images else time.time() - started
        data_time.write_text(json.dumps({"seconds": spent}))
    seconds["data"] = json.loads(data_time.read_text())["seconds"]
    metrics["data"] = {"images": len(rows), "blend": {"kind": kind, "ratio": ratio, "realised": realised},
                       "buckets": {b: len(r) for b, r in latents.rows.items()}, "latent_norm": norm.to_json()}
    if cfg.fresh_images:
        metrics["data"]["fresh"] = cache_summary
    log(f"  {json.dumps(metrics['data'])}")
    if args.stop_after == "data":
        return metrics

    log("stage 3/6 denoiser: text encoder + 3-stage U-Net, caption dropout, EMA")
    curve = work / "curve.jsonl"

    def learning_curve(step: int, ema) -> None:
        if not cfg.curve_every or (step % cfg.curve_every and step != cfg.denoiser.steps):
            return
        scores = judge_generations(ema, vae, norm, cfg.denoiser.objective, tok, args.seed, cfg.curve_prompts)
        with curve.open("a") as f:
            f.write(json.dumps({"step": step, "samples": step * cfg.denoiser.batch_size, **scores}) + "\n")
        log(f"  curve at step {step}: " + ", ".join(f"{name} {100 * scores[name]['rate']:.1f} %" for name in
                                                    ("colour", "shape", "one_object", "exact_colour_and_shape")))

    denoiser = train_denoiser(tok.size, latents, caption_ids, frame(tok, ""), norm,
                              cfg.denoiser, args.seed, ckpt / "denoiser.pt", log, on_checkpoint=learning_curve)
    model, seconds["denoiser"] = denoiser.model, denoiser.seconds
    metrics["denoiser"] = {**cfg.denoiser.__dict__, "device": denoiser.device,
                           "steps_by_precision": denoiser.steps_by_precision,
                           "epochs": round(cfg.denoiser.steps * cfg.denoiser.batch_size / len(rows), 1),
                           "params": {"text_encoder": sum(p.numel() for p in model.text.parameters()),
                                      "unet": sum(p.numel() for p in model.network.parameters())}}
    if args.stop_after == "denoiser":
        return metrics

    log("stage 4/6 consistency decoder: pixel-space teacher, then 2-step consistency distillation")
    teacher, seconds["consistency_teacher"] = train_teacher(vae, args.seed, cfg.teacher_steps, cfg.decoder_batch,
                                                            ckpt / "consistency_teacher.pt", log)
    student, seconds["consistency_distill"] = distill(teacher, vae, args.seed, cfg.distill_steps, cfg.decoder_batch,
                                                      ckpt / "consistency_student.pt", log)
    if args.stop_after == "consistency":
        return metrics

    log("stage 5/6 export: ONNX (opset 17) into the bundle, model.json generation section")
    components = {**export_text_to_latent(model, out, special_ids, cfg.denoiser.objective), **export_vae_decoder(vae, out, norm)}
    sigmas = student.sampling_sigmas
    metrics["consistency"] = {"teacher_steps": cfg.teacher_steps, "distill_steps": cfg.distill_steps,
                              "batch_size": cfg.decoder_batch, "sigmas": list(sigmas), "sigma_min": student.sigma_min}
    components["consistency_decoder"] = export_consistency(
        Denormalised(student, norm, latents_arg=2), out / "image" / "consistency_decoder.onnx", sigmas,
        student.sigma_min, bundle_file="image/consistency_decoder.onnx")
    export_vae_encoder(vae, work / "eval" / "vae_encoder.onnx", norm)
    # The bundle's encoder must be its decoder's: a retrained VAE ships its own (image-to-image).
    export_vae_encoder(vae, out / VAE_ENCODER_FILE, norm)
    components["vae_encoder"] = encoder_entry(norm)
    write_section(out, "vae-encoder", own_encoder_section(metrics["vae"]["psnr_db"]))
    export_teacher(Denormalised(teacher, norm, latents_arg=2), work / "eval" / "consistency_teacher.onnx")
    merge_manifest(out, tok, components, {"seed": args.seed, "config": cfg.name}, cfg.denoiser.objective)
    metrics["python_decoders"] = measure_decoders(vae, teacher, student, sigmas, args.seed,
                                                  min(cfg.decoder_eval, 16), cfg.teacher_eval_steps)

    metrics["train_seconds"] = sum(seconds.values())
    if cfg.name == "gpu":
        # The time target is about the CPU path: quote the `v1` run's own total.
        cpu_run = work.parent / f"image-v1-seed{args.seed}" / "metrics.json"
        metrics["cpu_train_seconds"] = json.loads(cpu_run.read_text())["train_seconds"] if cpu_run.exists() else None
    if not args.skip_eval:
        log("stage 6/6 evaluation through the exported ONNX models (onnxruntime-node)")
        metrics["eval"] = evaluate_bundle(out, work, args.seed, cfg, log)
    write_image_card(out, metrics, skip_eval=args.skip_eval)
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log(f"done: trained in {metrics['train_seconds'] / 60:.1f} min; bundle at {out}")
    return metrics


if __name__ == "__main__":
    main()
