"""The design proxy: 4x/8x VAEs, rectified flow, coordinate channels, and a resumable curve."""

import json
from dataclasses import replace

import pytest
import torch

from training.image.denoiser import TextToLatent, coordinate_channels
from training.image.noise_schedule import flow_interpolate, flow_velocity
from training.image.proxy import main, one_object_scene, read_hits
from training.image.sampling import euler_flow
from training.image.vae import Vae
from training.world.render import render


@pytest.mark.parametrize("downsample", [4, 8])
def test_vae_latents_are_one_cell_per_downsample_pixels_at_every_aspect(downsample):
    vae = Vae(downsample)
    z = vae.encode(torch.zeros(1, 3, 128, 224))
    assert z.shape == (1, 4, 128 // downsample, 224 // downsample)
    assert vae.decoder(z).shape == (1, 3, 128, 224)


def test_vae_refuses_other_downsampling():
    with pytest.raises(ValueError, match="4x or 8x"):
        Vae(16)


def test_coordinate_channels_span_minus_one_to_one_along_rows_and_columns():
    grid = coordinate_channels(torch.zeros(2, 4, 4, 7))
    assert grid.shape == (2, 2, 4, 7)
    assert torch.allclose(grid[0, 0, :, 0], torch.tensor([-0.75, -0.25, 0.25, 0.75]))
    assert torch.allclose(grid[0, 1, 0], grid[0, 1, 3])  # columns do not vary down a column
    assert grid[0, 1, 0, 0] < 0 < grid[0, 1, 0, -1]


def test_an_exact_flow_velocity_carries_noise_to_the_data_in_euler_steps():
    x0, noise = torch.randn(3, 4, 2, 2), torch.randn(3, 4, 2, 2)
    assert torch.allclose(flow_interpolate(x0, noise, torch.zeros(3)), x0)
    assert torch.allclose(flow_interpolate(x0, noise, torch.ones(3)), noise)

    def oracle(z, timestep, ids):  # the straight line's velocity, whatever the prompt
        return torch.cat([flow_velocity(x0, noise)] * 2)

    out = euler_flow(oracle, noise.clone(), torch.zeros(3, 1, dtype=torch.long), torch.zeros(1, 1, dtype=torch.long), steps=5)
    assert torch.allclose(out, x0, atol=1e-5)


def test_coords_change_the_unets_input_only():
    plain, coords = TextToLatent(50, (8, 16, 16)), TextToLatent(50, (8, 16, 16), coords=True)
    assert coords.unet.conv_in.in_channels == plain.unet.conv_in.in_channels + 2
    out = coords(torch.randn(1, 4, 4, 6), torch.tensor([3.0]), torch.ones(1, 100, dtype=torch.long))
    assert out.shape == (1, 4, 4, 6)


def test_the_pooled_text_path_makes_the_prompt_reach_every_resblock_and_survives_a_reload():
    torch.manual_seed(0)
    pooled = TextToLatent(50, (8, 16, 16), pooled_text=True)
    torch.nn.init.normal_(pooled.unet.conv_out.weight)  # zero-initialised: nothing would show
    sample, t = torch.randn(1, 4, 4, 6), torch.tensor([500.0])
    context = torch.randn(1, 100, 128)
    # Only the pooled path sees the prompt when cross-attention's values are zeroed.
    for block in pooled.unet.modules():
        if hasattr(block, "kv"):
            torch.nn.init.zeros_(block.kv.weight)
            torch.nn.init.zeros_(block.kv.bias)
    a = pooled.unet(sample, t, context)
    assert not torch.allclose(a, pooled.unet(sample, t, context + 1.0))

    reloaded = TextToLatent.from_state(50, pooled.state_dict())
    assert reloaded.unet.text_pool is not None and not reloaded.unet.coords
    assert torch.equal(reloaded.unet(sample, t, context), a)
    plain = TextToLatent.from_state(50, TextToLatent(50, (8, 16, 16), coords=True).state_dict())
    assert plain.unet.text_pool is None and plain.unet.coords


def test_one_object_scenes_are_square_single_and_described():
    scene, caption = one_object_scene(0, 21, 5)
    assert scene.bucket == "square" and len(scene.objects) == 1
    obj = scene.objects[0]
    assert obj.shape in caption and obj.colour in caption
    assert one_object_scene(0, 21, 5) == (scene, caption)  # addressed, so re-rendered identically


def test_clutter_scores_on_the_lenient_read_outs_but_not_on_the_strict_ones():
    scene, _ = one_object_scene(0, 21, 5)
    want = scene.objects[0]
    assert read_hits(scene, render(scene))["exact_colour_and_shape"]
    # The prompted object plus two others in other cells.
    others = [replace(want, row=r, col=c, shape=s) for (r, c), s in zip(
        [(r, c) for r in range(3) for c in range(3) if (r, c) != (want.row, want.col)][:2], ("cross", "circle"))]
    cluttered = replace(scene, objects=(want, *others), jitter=scene.jitter * 3)
    hits = read_hits(scene, render(cluttered))
    assert hits["colour_and_shape"] and hits["right_cell"]
    assert not (hits["one_object"] or hits["exact_colour_and_shape"] or hits["exact_cell"])


def test_quick_proxy_writes_a_learning_curve_and_resumes_without_repeating_it(tmp_path, capsys):
    main(["--variant", "flow8-coords", "--quick", "--work", str(tmp_path)])
    rows = [json.loads(line) for line in (tmp_path / "flow8-coords" / "curve.jsonl").read_text().splitlines()]
    assert [r["samples"] for r in rows] == [8, 16]
    assert 0 <= rows[-1]["colour_and_shape"]["rate"] <= rows[-1]["shape"]["rate"] <= 1
    low, high = rows[-1]["shape"]["ci95"]
    assert low <= rows[-1]["shape"]["rate"] <= high
    main(["--variant", "flow8-coords", "--quick", "--work", str(tmp_path)])  # finished: nothing to redo
    assert len((tmp_path / "flow8-coords" / "curve.jsonl").read_text().splitlines()) == 2
    main(["--table", "--quick", "--work", str(tmp_path)])
    assert "| flow8-coords | 16 | 5 |" in capsys.readouterr().out


def test_quick_mmdit_proxy_trains_and_is_judged_on_the_same_latents(tmp_path):
    main(["--variant", "flow8", "--quick", "--work", str(tmp_path)])
    main(["--variant", "mmdit8", "--quick", "--work", str(tmp_path)])
    rows = [json.loads(line) for line in (tmp_path / "mmdit8" / "curve.jsonl").read_text().splitlines()]
    assert [r["samples"] for r in rows] == [8, 16]
    state = torch.load(tmp_path / "mmdit8" / "denoiser.pt")
    assert state["objective"] == "flow" and "mmdit.patch_in.weight" in state["ema"]
    assert sorted(p.name for p in tmp_path.glob("latents*.pt")) == ["latents8.pt"]  # shared, built once


def test_a_repeat_trains_the_variant_again_from_another_seed_on_the_same_latents(tmp_path):
    main(["--variant", "flow8", "--quick", "--work", str(tmp_path)])
    main(["--variant", "flow8", "--quick", "--work", str(tmp_path), "--repeat", "1"])
    rows = [json.loads(line) for line in (tmp_path / "flow8-r1" / "curve.jsonl").read_text().splitlines()]
    assert [(r["variant"], r["samples"]) for r in rows] == [("flow8-r1", 8), ("flow8-r1", 16)]
    first, again = (torch.load(tmp_path / d / "denoiser.pt")["ema"] for d in ("flow8", "flow8-r1"))
    assert not torch.equal(first["unet.conv_in.weight"], again["unet.conv_in.weight"])
    assert sorted(p.name for p in tmp_path.glob("latents*.pt")) == ["latents8.pt"]


def test_a_guidance_sweep_judges_the_last_checkpoint_once_per_scale(tmp_path):
    main(["--variant", "flow8", "--quick", "--work", str(tmp_path)])
    main(["--variant", "flow8", "--quick", "--work", str(tmp_path), "--guidance", "1,5"])
    rows = [json.loads(line) for line in (tmp_path / "flow8" / "guidance.jsonl").read_text().splitlines()]
    assert [(r["guidance"], r["samples"]) for r in rows] == [(1.0, 16), (5.0, 16)]
    # At the curves' own scale it reads exactly what the curve's last point read.
    last = json.loads((tmp_path / "flow8" / "curve.jsonl").read_text().splitlines()[-1])
    assert all(rows[1][k] == last[k] for k in ("colour_and_shape", "colour", "shape", "texture", "right_cell"))
    with pytest.raises(SystemExit, match="train it first"):
        main(["--variant", "v8", "--quick", "--work", str(tmp_path), "--guidance", "5"])
