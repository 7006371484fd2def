"""The design proxy: 4x/8x VAEs, rectified flow, coordinate channels, and a resumable curve."""

import json

import pytest
import torch

from training.image.denoiser import TextToLatent, coordinate_channels
from training.image.noise_schedule import flow_interpolate, flow_velocity
from training.image.proxy import main, one_object_scene
from training.image.sampling import euler_flow
from training.image.vae import Vae


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


def test_one_object_scenes_are_square_single_and_described():
    scene, caption = one_object_scene(0, 21, 5)
    assert scene.bucket == "square" and len(scene.objects) == 1
    obj = scene.objects[0]
    assert obj.shape in caption and obj.colour in caption
    assert one_object_scene(0, 21, 5) == (scene, caption)  # addressed, so re-rendered identically


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
    assert "| flow8-coords | 16 |" in capsys.readouterr().out
