import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from training.image import consistency
from training.image.consistency import (
    SIGMA_MIN,
    PixelDecoder,
    distill,
    sample_consistency,
    sample_teacher,
    train_teacher,
)
from training.image.consistency_export import export_consistency, export_teacher
from training.image.vae import Vae
from training.paths import ONNXRUNTIME_NODE, TINY_LIMNER

ORT = ONNXRUNTIME_NODE

# Runs an exported decoder at the three bucket sizes and prints its tensor names and outputs.
RUN_ONNX = """
const ort = require(process.argv[2]);
(async () => {
  const session = await ort.InferenceSession.create(process.argv[3]);
  const outputs = [];
  for (const [h, w] of [[16, 16], [28, 16], [16, 28]]) {
    const sample = Float32Array.from({ length: 2 * 3 * 64 * h * w }, (_, i) => Math.sin(i));
    const latents = Float32Array.from({ length: 2 * 4 * h * w }, (_, i) => Math.cos(i));
    const out = await session.run({
      sample: new ort.Tensor("float32", sample, [2, 3, 8 * h, 8 * w]),
      sigma: new ort.Tensor("float32", Float32Array.from([80, 0.5]), [2]),
      latents: new ort.Tensor("float32", latents, [2, 4, h, w]),
    });
    outputs.push({ dims: out.denoised.dims, data: Array.from(out.denoised.data) });
  }
  console.log(JSON.stringify({ inputs: session.inputNames, outputs: session.outputNames, results: outputs }));
})();
"""


def _perturbed(model: PixelDecoder) -> PixelDecoder:
    # The output convolution starts at zero; give F a non-zero output so the tests see it.
    torch.nn.init.normal_(model.net.conv_out.weight, std=0.1)
    return model.eval()


def test_consistency_function_is_the_identity_at_sigma_min():
    torch.manual_seed(0)
    student = _perturbed(PixelDecoder(Vae().decoder, SIGMA_MIN))
    x, z = torch.randn(2, 3, 64, 48), torch.randn(2, 4, 8, 6)
    with torch.no_grad():
        at_min = student(x, torch.full((2,), SIGMA_MIN), z)
        above = student(x, torch.full((2,), 0.5), z)
    assert torch.allclose(at_min, x, atol=1e-5)
    assert not torch.allclose(above, x, atol=1e-2)


def test_samplers_are_seeded_and_in_range():
    torch.manual_seed(0)
    model = _perturbed(PixelDecoder(Vae().decoder, SIGMA_MIN))
    z = torch.randn(2, 4, 16, 28)
    for sample in (lambda g: sample_teacher(model, z, 3, g),
                   lambda g: sample_consistency(model, z, (80.0, 0.5), SIGMA_MIN, g)):
        a, b = sample(torch.Generator().manual_seed(1)), sample(torch.Generator().manual_seed(1))
        c = sample(torch.Generator().manual_seed(2))
        assert a.shape == (2, 3, 128, 224)
        assert a.min() >= -1 and a.max() <= 1
        assert torch.equal(a, b) and not torch.equal(a, c)


def test_train_distill_resume_and_export(tmp_path):
    torch.manual_seed(0)
    vae = Vae().eval()
    logs = []
    teacher, _ = train_teacher(vae, 0, 2, 2, tmp_path / "teacher.pt", logs.append)
    student, _ = distill(teacher, vae, 0, 2, 2, tmp_path / "student.pt", logs.append)
    assert student.sigma_min == SIGMA_MIN and teacher.sigma_min == 0.0
    # A finished checkpoint is loaded, not retrained.
    resumed, _ = distill(teacher, vae, 0, 2, 2, tmp_path / "student.pt", logs.append)
    assert all(torch.equal(a, b) for a, b in zip(resumed.state_dict().values(), student.state_dict().values()))
    assert student.sampling_sigmas[0] == 80.0 and student.sampling_sigmas[1] in consistency.SIGMA1_CANDIDATES
    assert resumed.sampling_sigmas == student.sampling_sigmas
    assert any("resumed" in line for line in logs)

    entry = export_consistency(student, tmp_path / "consistency_decoder.onnx", (80.0, 0.5), SIGMA_MIN)
    fixture = json.loads((TINY_LIMNER / "model.json").read_text())
    expected = fixture["components"]["consistency_decoder"]
    assert {k: v for k, v in entry.items() if k != "sampling"} == {k: v for k, v in expected.items() if k != "sampling"}
    assert entry["sampling"] == {"sigmas": [80.0, 0.5], "sigma_min": SIGMA_MIN, "sigma_data": 0.5}
    export_teacher(teacher, tmp_path / "teacher.onnx")

    if shutil.which("node") is None or not ORT.exists():
        pytest.skip("onnxruntime-node is not installed")
    script = tmp_path / "run_onnx.cjs"
    script.write_text(RUN_ONNX)
    _perturbed(student)
    export_consistency(student, tmp_path / "consistency_decoder.onnx", (80.0, 0.5), SIGMA_MIN)
    for path, model in ((tmp_path / "consistency_decoder.onnx", student), (tmp_path / "teacher.onnx", teacher)):
        run = subprocess.run(["node", str(script), str(ORT), str(path)], capture_output=True, text=True, check=True)
        result = json.loads(run.stdout)
        assert result["inputs"] == ["sample", "sigma", "latents"] and result["outputs"] == ["denoised"]
        for (h, w), got in zip([(16, 16), (28, 16), (16, 28)], result["results"]):
            n = 2 * 3 * 64 * h * w
            sample = torch.sin(torch.arange(n, dtype=torch.float64)).float().reshape(2, 3, 8 * h, 8 * w)
            latents = torch.cos(torch.arange(2 * 4 * h * w, dtype=torch.float64)).float().reshape(2, 4, h, w)
            with torch.no_grad():
                want = model(sample, torch.tensor([80.0, 0.5]), latents)
            assert got["dims"] == [2, 3, 8 * h, 8 * w]
            assert torch.allclose(torch.tensor(got["data"]).reshape(want.shape), want, atol=1e-4)
