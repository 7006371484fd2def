"""MODEL_CARD.md is written by several pipelines; each owns one marked section of it.

The image model (training.image), the VAE encoder (training.image.vae_encoder), the upsampler
(training.upsampler), the caption ablation and the data loop (training.data) each regenerate
their own section from their measurements and leave the others untouched, so re-running one
never loses another's numbers. Sections appear in SECTION_ORDER.
"""

import re
from pathlib import Path

TITLE = "# limner-mini — model card"
SECTION_ORDER = ("image-model", "vae-encoder", "upsampler", "caption-ablation", "data-loop")


def _marker(name: str, end: bool = False) -> str:
    return f"<!-- {'/' if end else ''}section:{name} -->"


def read_sections(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    text = path.read_text()
    found = {}
    for name in SECTION_ORDER:
        match = re.search(re.escape(_marker(name)) + r"\n(.*?)" + re.escape(_marker(name, end=True)), text, re.S)
        if match:
            found[name] = match.group(1)
    return found


def write_section(bundle: Path, name: str, body: str) -> None:
    if name not in SECTION_ORDER:
        raise ValueError(f"unknown model card section {name!r}")
    path = bundle / "MODEL_CARD.md"
    sections = read_sections(path)
    sections[name] = body.rstrip("\n") + "\n"
    parts = [TITLE, ""]
    for section in SECTION_ORDER:
        if section in sections:
            parts += [_marker(section), sections[section].rstrip("\n"), _marker(section, end=True), ""]
    bundle.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
