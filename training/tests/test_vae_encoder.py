"""The VAE encoder trained against the shipped decoder (training.image.vae_encoder), at toy size,
and the captioner restored from the bundle's ONNX files (training.captioner.from_bundle)."""

import json
import shutil

import onnx
import torch

from training.captioner.from_bundle import restore_captioner, score_captions
from training.captioner.tokenizer import Tokenizer, build_vocab
from training.image import vae_encoder
from training.image.vae import Decoder, Encoder
from training.model_card import read_sections
from training.paths import BUNDLE


def test_the_shipped_decoder_is_restored_exactly_with_its_latent_standardisation():
    decoder, norm = vae_encoder.restore_decoder(BUNDLE)
    entry = json.loads((BUNDLE / "model.json").read_text())["components"]["vae_decoder"]["latent_normalisation"]
    assert torch.allclose(norm.mean, torch.tensor(entry["mean"]), atol=1e-6)
    assert torch.allclose(norm.std, torch.tensor(entry["std"]), atol=1e-6)
    assert not any(p.requires_grad for p in decoder.parameters())


def test_the_colour_shortcut_starts_at_the_decoders_inverse():
    torch.manual_seed(0)
    decoder, encoder = Decoder(), Encoder()
    vae_encoder.init_colour_shortcut(encoder, decoder)
    colour = torch.rand(5, 3) * 2 - 1
    latents = encoder.colour(colour[:, :, None, None])
    back = decoder.colour(latents)[:, :, 0, 0]
    assert torch.allclose(back, colour, atol=1e-4)  # 4 latent channels span the 3 colour ones


def test_quick_run_trains_resumes_and_exports_into_a_bundle(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    shutil.copy(BUNDLE / "model.json", bundle / "model.json")
    work = tmp_path / "work"
    first = vae_encoder.main(["--quick", "--work", str(work), "--export", str(bundle)])
    assert (work / "vae.pt").exists() and (work / "encoder.pt").exists()
    assert set(first["psnr_db_by_bucket"]) <= {"square", "landscape", "portrait"}
    # A finished run resumes at its end: same weights, same numbers.
    again = vae_encoder.main(["--quick", "--work", str(work)])
    assert again["psnr_db"] == first["psnr_db"]

    graph = onnx.load(str(bundle / "image" / "vae_encoder.onnx")).graph
    assert [i.name for i in graph.input] == ["image"] and [o.name for o in graph.output] == ["latents"]
    components = json.loads((bundle / "model.json").read_text())["components"]
    assert list(components).index("vae_encoder") == list(components).index("vae_decoder") + 1
    assert components["vae_encoder"]["inputs"]["image"]["name"] == "image"
    assert components["vae_encoder"]["latent_channels"] == components["vae_decoder"]["latent_channels"]
    card = read_sections(bundle / "MODEL_CARD.md")["vae-encoder"]
    assert "python3 -m training.image.vae_encoder --seed 0 --export" in card
    assert f"{first['psnr_db']:.2f} dB" in card


def test_the_captioner_restored_from_the_bundle_reexports_identically_and_captions():
    tok = Tokenizer(build_vocab())
    model, diffs = restore_captioner(BUNDLE, tok)
    assert diffs == {"image_encoder.onnx": 0.0, "text_decoder.onnx": 0.0, "text_tower.onnx": 0.0}
    scores = score_captions(model, tok, seed=0, count=4)
    # A random-weight captioner gets nothing right; the bundle's gets nearly everything.
    assert scores["descriptive"]["colour_accuracy"] >= 0.75
    assert scores["short"]["colour_shape_correct"] >= 0.75
