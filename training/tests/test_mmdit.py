"""The MM-DiT (training/image/mmdit.py): the denoiser's contract, positions, reload, and its
ONNX export run by onnxruntime-node at the three aspect ratios."""

import json
import subprocess

import torch

from training.image.denoiser import TextToLatent
from training.image.export import export_text_to_latent
from training.image.mmdit import sincos_2d
from training.paths import ONNXRUNTIME_NODE

# Runs an exported denoiser at the three bucket sizes on inputs both sides can compute.
RUN_DENOISER = """
const ort = require(process.argv[2]);
(async () => {
  const session = await ort.InferenceSession.create(process.argv[3]);
  const results = [];
  for (const [h, w] of [[16, 16], [16, 28], [28, 16]]) {
    const sample = Float32Array.from({ length: 2 * 4 * h * w }, (_, i) => Math.sin(i));
    const context = Float32Array.from({ length: 2 * 100 * 128 }, (_, i) => Math.cos(i));
    const out = await session.run({
      sample: new ort.Tensor("float32", sample, [2, 4, h, w]),
      timestep: new ort.Tensor("float32", Float32Array.from([999, 10]), [2]),
      encoder_hidden_states: new ort.Tensor("float32", context, [2, 100, 128]),
    });
    results.push({ dims: out.prediction.dims, data: Array.from(out.prediction.data) });
  }
  console.log(JSON.stringify(results));
})();
"""


def test_the_mmdit_keeps_the_denoisers_contract_at_every_aspect_and_reloads_from_its_weights():
    torch.manual_seed(0)
    model = TextToLatent(50, (32, 32, 32), architecture="mmdit", patch=2, depth=2)
    ids = torch.randint(1, 50, (2, 100))
    sample, t = torch.randn(2, 4, 16, 28), torch.tensor([10.0, 900.0])
    assert torch.count_nonzero(model(sample, t, ids)) == 0  # adaLN-Zero: untrained, it predicts 0
    torch.nn.init.normal_(model.mmdit.out.weight)
    for h, w in ((16, 16), (16, 28), (28, 16)):
        assert model(torch.randn(2, 4, h, w), t, ids).shape == (2, 4, h, w)
    reloaded = TextToLatent.from_state(50, model.state_dict())
    assert reloaded.mmdit.patch == 2 and len(reloaded.mmdit.blocks) == 2
    assert torch.equal(reloaded(sample, t, ids), model(sample, t, ids))


def test_2d_positions_are_distinct_per_patch_and_share_one_frame_across_aspects():
    square, wide = sincos_2d(3, 3, 32), sincos_2d(3, 9, 32)
    assert torch.unique(square, dim=0).shape[0] == 9
    # Positions are fractions of the side: the square's first column (centre 1/6) is the wide
    # image's second (1.5/9), and the same row is the same row.
    assert torch.allclose(square[0], wide[1], atol=1e-6)
    assert not torch.allclose(square[0], wide[0], atol=1e-2)


def test_the_exported_mmdit_runs_in_onnxruntime_node_as_in_pytorch(tmp_path):
    torch.manual_seed(0)
    model = TextToLatent(50, (32, 32, 32), architecture="mmdit", patch=2, depth=2).eval()
    for name, param in model.mmdit.named_parameters():  # zero-initialised gates would hide the blocks
        if "modulation" in name or name.startswith("out."):
            torch.nn.init.normal_(param, std=0.05)
    entry = export_text_to_latent(model, tmp_path, {"[PAD]": 0, "[BOS]": 1, "[EOS]": 2}, "flow")["denoiser"]
    assert entry["prediction_type"] == "flow_prediction" and entry["architecture"].startswith("MM-DiT: 2 joint")
    script = tmp_path / "run_denoiser.cjs"
    script.write_text(RUN_DENOISER)
    run = subprocess.run(["node", str(script), str(ONNXRUNTIME_NODE), str(tmp_path / "image" / "denoiser.onnx")],
                         capture_output=True, text=True, check=True)
    for (h, w), got in zip([(16, 16), (16, 28), (28, 16)], json.loads(run.stdout)):
        sample = torch.sin(torch.arange(2 * 4 * h * w, dtype=torch.float64)).float().reshape(2, 4, h, w)
        context = torch.cos(torch.arange(2 * 100 * 128, dtype=torch.float64)).float().reshape(2, 100, 128)
        with torch.no_grad():
            want = model.mmdit(sample, torch.tensor([999.0, 10.0]), context)
        assert got["dims"] == [2, 4, h, w]
        assert torch.allclose(torch.tensor(got["data"]).reshape(want.shape), want, atol=1e-4)
