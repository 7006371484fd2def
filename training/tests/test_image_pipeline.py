"""The whole image-model pipeline in --quick mode: every stage runs, the bundle it exports is
complete and the ONNX evaluation (onnxruntime-node, via the runtime's own loader) scores it."""

import json

import torch

from training.captioner.model import Captioner
from training.captioner.tokenizer import Tokenizer, build_vocab
from training.image.__main__ import main
from training.image.ablation import main as ablation_main
from training.image.config import ABLATION_BLENDS
from training.image.denoise_probe import main as probe_main
from training.image.gpu_denoiser import main as gpu_denoiser_main
from training.image.gpu_denoiser import read_weight_parts, write_weight_parts
from training.image.train_denoiser import cpu_has_native_bf16


def test_quick_run_exports_a_generation_bundle_and_evaluates_it(tmp_path):
    out = tmp_path / "bundle"
    metrics = main(["--quick", "--out", str(out), "--threads", "1"])

    manifest = json.loads((out / "model.json").read_text())
    components = manifest["components"]
    for name in ("text_encoder", "denoiser", "vae_decoder", "vae_encoder", "consistency_decoder", "upsampler"):
        assert name in components, name
    for entry in (components["text_encoder"], components["denoiser"], components["vae_decoder"]):
        assert (out / entry["file"]).stat().st_size > 0
    # The quick recipe trains by rectified flow: the bundle samples it with the flow scheduler.
    assert manifest["generation"]["scheduler_config"]["_class_name"] == "FlowMatchEulerDiscreteScheduler"
    assert components["denoiser"]["prediction_type"] == "flow_prediction"
    assert components["vae_decoder"]["scaling_factor"] > 0

    # The VAE reports how it decodes latents with noise of the denoiser's kind added.
    assert set(metrics["vae"]["psnr_db_with_latent_noise"]) == {"0.1", "0.2"}

    summary = metrics["eval"]["suite"]["summary"]
    assert set(summary) == {"short", "short+upsample", "descriptive", "descriptive+upsample"}
    for variant in summary.values():
        for category in variant["categories"].values():
            assert 0.0 <= category["low"] <= category["mean"] <= category["high"] <= 1.0
    # The judge's cap: every suite item's render and its round trip through the run's VAE.
    judge_cap = metrics["eval"]["cap"]
    assert judge_cap["images"] == len({item["id"] for item in metrics["eval"]["suite"]["items"]})
    assert 0.0 <= judge_cap["rows"]["roundTrip"]["short"]["overall"]["mean"] <= 1.0
    assert set(metrics["eval"]["decoders"]["methods"]) == {"vae", "consistency", "teacher"}

    card = (out / "MODEL_CARD.md").read_text()
    assert "<!-- section:image-model -->" in card and "### Targets" in card
    assert "### Prompt following" in card and "VAE round trip, short prompt" in card

    # The denoise probe: at t_start 0 it is exactly the VAE round trip the card's judge cap reads;
    # from pure noise it runs the whole reverse process on the scenes' descriptive captions.
    cap = metrics["vae"]["judge_on_reconstructions"]
    round_trip, from_noise = probe_main(["--work", str(out / "work"), "--count", str(cap["images"]),
                                         "--starts", "0,999", "--threads", "1"])
    assert {k: v for k, v in round_trip.items() if k != "t_start"} == cap
    assert from_noise["t_start"] == 999 and all(0.0 <= from_noise[a] <= 1.0 for a in ("colour", "shape", "texture"))

    # The denoiser's GPU path, here on the CPU at toy sizes: train from the run's VAE and
    # manifest, then install into a work dir that a `--config gpu` run would resume from.
    weights, gpu_work = tmp_path / "gpu-weights", tmp_path / "gpu-work"
    gpu_denoiser_main(["train", "--work", str(out / "work"), "--out", str(weights), "--steps", "3", "--batch", "4",
                       "--device", "cpu"])
    assert sorted(p.name for p in weights.iterdir()) == ["denoiser.json", "weights-00.npz"]
    gpu_denoiser_main(["install", "--weights", str(weights), "--base-work", str(out / "work"), "--work", str(gpu_work)])
    installed = torch.load(gpu_work / "checkpoints" / "denoiser.pt")
    assert installed["step"] == installed["steps"] == 3
    # ... and with fresh data rendered, recaptioned and encoded there (a random-weight captioner here).
    captioner = tmp_path / "captioner.pt"
    torch.save(Captioner(Tokenizer(build_vocab()).size).state_dict(), captioner)
    fresh = tmp_path / "gpu-fresh"
    gpu_denoiser_main(["train", "--work", str(out / "work"), "--out", str(fresh), "--steps", "2", "--batch", "2",
                       "--device", "cpu", "--fresh", "4", "--captioner", str(captioner), "--workers", "2"])
    meta = json.loads((fresh / "denoiser.json").read_text())
    assert meta["distinct_images"] == 4 and meta["epochs"] == 1.0
    assert sorted(p.name for p in fresh.iterdir()) == ["denoiser.json", "weights-00.npz"]  # no cache carried back
    assert (gpu_work / "checkpoints" / "vae.pt").exists() and (gpu_work / "latents.pt").exists()

    # The caption ablation reuses the run's work dir and bundle: six toy models, scored the same way.
    ablation = ablation_main(["--quick", "--work", str(out / "work"), "--bundle", str(out), "--limit", "2",
                              "--threads", "1"])
    assert [run["name"] for run in ablation["runs"]] == [name for name, _, _ in ABLATION_BLENDS]
    assert "<!-- section:caption-ablation -->" in (out / "MODEL_CARD.md").read_text()


def test_v1_trains_on_fresh_data_through_the_sharded_cache_and_resumes_it(tmp_path):
    out = tmp_path / "bundle"
    args = ["--config", "v1", "--quick", "--out", str(out), "--threads", "1", "--workers", "1", "--skip-eval"]
    metrics = main(args)
    cache = out / "work" / "cache"
    assert len(list(cache.glob("shard-*.pt"))) == 12  # 24 images in shards of 2
    fresh = metrics["data"]["fresh"]
    assert metrics["data"]["images"] == fresh["count"] == 24 and fresh["seconds_total"] > 0
    assert set(fresh["images_per_second_this_run"]) == {"render", "caption", "encode"}
    assert metrics["denoiser"]["objective"] == "flow" and metrics["denoiser"]["epochs"] > 0
    manifest = json.loads((out / "model.json").read_text())
    assert manifest["components"]["denoiser"]["prediction_type"] == "flow_prediction"
    card = (out / "MODEL_CARD.md").read_text()
    assert "sharded latent cache" in card and "--config v1 --seed 0 --quick" in card
    assert "rectified flow with logit-normal levels" in card
    # v1 trains in bf16 where the CPU has it, and the card says for how many steps.
    assert metrics["denoiser"]["steps_by_precision"] == {"bf16" if cpu_has_native_bf16() else "float32": 4}
    assert ("bf16 mixed precision for 4 of its 4 steps" in card) == cpu_has_native_bf16()
    # The long run's learning curve: one-object prompts judged at each curve checkpoint.
    curve = [json.loads(line) for line in (out / "work" / "curve.jsonl").read_text().splitlines()]
    assert [row["step"] for row in curve] == [2, 4] and curve[-1]["prompts"] == 2

    # A killed build resumes at its first missing shard, and the time it took adds up.
    (cache / "shard-00011.pt").unlink()
    (out / "work" / "data_seconds.json").unlink()
    again = main(args)
    assert len(list(cache.glob("shard-*.pt"))) == 12
    assert again["data"]["fresh"]["seconds_total"] > fresh["seconds_total"]
    assert again["data"]["latent_norm"] == metrics["data"]["latent_norm"]  # the same images back
    assert again["vae"] == metrics["vae"]  # the finished VAE's evaluation, kept beside its checkpoint
    assert (out / "work" / "checkpoints" / "vae.eval.json").exists()
    assert len((out / "work" / "curve.jsonl").read_text().splitlines()) == 2  # a finished run adds no points

    # The denoise probe reads a fresh-data run's latents from its cache.
    (round_trip,) = probe_main(["--work", str(out / "work"), "--count", "2", "--starts", "0", "--threads", "1"])
    assert round_trip["t_start"] == 0

    # The GPU path on a v1 run: fresh data there, standardised with this run's recorded statistics;
    # installed beside the run, whose cache it links rather than copies.
    captioner = tmp_path / "captioner.pt"
    torch.save(Captioner(Tokenizer(build_vocab()).size).state_dict(), captioner)
    weights, gpu_work = tmp_path / "gpu-weights", tmp_path / "gpu-work"
    gpu_denoiser_main(["train", "--work", str(out / "work"), "--out", str(weights), "--steps", "2", "--batch", "2",
                       "--device", "cpu", "--fresh", "4", "--captioner", str(captioner), "--workers", "1"])
    assert json.loads((weights / "denoiser.json").read_text())["config"]["objective"] == "flow"
    gpu_denoiser_main(["install", "--weights", str(weights), "--base-work", str(out / "work"), "--work", str(gpu_work)])
    assert (gpu_work / "cache").is_symlink() and (gpu_work / "latent_norm.json").exists()
    assert torch.load(gpu_work / "checkpoints" / "denoiser.pt")["objective"] == "flow"


def test_weights_travel_in_parts_under_the_per_file_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("training.image.gpu_denoiser.MAX_PART_BYTES", 200_000)
    state = {f"layer{i}.weight": torch.randn(100, 100) for i in range(5)}  # 40 kB each
    names = write_weight_parts(state, tmp_path)
    assert len(names) == 2
    assert all((tmp_path / n).stat().st_size <= 200_000 for n in names)
    back = read_weight_parts(tmp_path, names)
    assert back.keys() == state.keys() and all(torch.equal(back[k], state[k]) for k in state)
