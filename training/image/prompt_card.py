"""The model card's "Prompt following" part, from the harness's results (gpu-runtime/eval/):
the pass-rate table with 95 % intervals, upsampling's paired gains, the judge's cap on ground
truth and the prompt-following targets. Written by the training run's card (card.py) and,
alone, by `python3 -m training.image.evaluate`, which replaces just this part of the card."""

import time
from pathlib import Path

from ..model_card import read_sections, write_section
from .suite import BINDING, CATEGORIES

HEADING = "### Prompt following, through the exported ONNX models"
LABELS = {"single": "one object"}
VARIANTS = ("short", "short+upsample", "descriptive", "descriptive+upsample")
CAP_ROWS = (("render", "short", "render, short prompt"), ("roundTrip", "short", "VAE round trip, short prompt"),
            ("render", "descriptive", "render, descriptive caption"),
            ("roundTrip", "descriptive", "VAE round trip, descriptive caption"))
# (category, threshold): the card's binding targets, on short prompts with upsampling on.
TARGETS = (("colour", 0.85), ("shape", 0.80), ("texture", 0.80))


def _num(x: float, signed: bool) -> str:
    return f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}"


def cell(est: dict | None, signed: bool = False) -> str:
    """'16.0 (11.2–21.5)': the estimate in %, its 95 % interval in brackets."""
    if not est or est.get("mean") is None:
        return "n/a"
    text = _num(est["mean"], signed)
    if est.get("low") is None:
        return text
    dash = " to " if signed else "–"  # "−1.2 to +7.1" reads better than "−1.2–+7.1"
    return f"{text} ({_num(est['low'], signed)}{dash}{_num(est['high'], signed)})"


def _header(first: str, extra: tuple[str, ...] = ()) -> list[str]:
    names = [LABELS.get(c, c) for c in CATEGORIES] + ["mean", *extra]
    return [f"| {first} | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]


def _table(summary: dict) -> list[str]:
    lines = _header("prompts", ("similarity", "objects read (of 2)", "ms / image"))
    for variant in VARIANTS:
        s = summary.get(variant)
        if not s:
            continue
        sim, objects = s["similarity"]["mean"], s["objectsRead"]["mean"]
        cells = [cell(s["categories"].get(c)) for c in CATEGORIES] + [cell(s["overall"])]
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {'n/a' if sim is None else f'{100 * sim:.1f}'} | "
                     f"{'n/a' if objects is None else f'{objects:.2f}'} | {s['msPerImage']:.0f} |")
    return lines


def _gains(gains: list[dict]) -> list[str]:
    if not gains:
        return []
    lines = ["Upsampling's gain, in points, paired on the same prompts (the variant with the upsampler minus the same "
             "prompts without it; an interval excluding 0 is a gain, or a loss, that is not noise):", "",
             *_header("upsampling")]
    for g in gains:
        cells = [cell(g["categories"].get(c), signed=True) for c in CATEGORIES] + [cell(g["overall"], signed=True)]
        lines.append(f"| {g['variant']} − {g['baseline']} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _cap(cap: dict | None) -> list[str]:
    if not cap:
        return ["The judge's cap on ground truth was not measured in this run (no VAE encoder).", ""]
    lines = [f"What any generator can at best score: the judge on each suite item's own ground-truth render and on "
             f"its VAE round trip (encode, then the bundle's VAE decoder: every generated image is a decoding of "
             f"latents), scored like the generated images ({cap['images']} items, one image each):", "",
             *_header("ground truth")]
    for kind, prompt, label in CAP_ROWS:
        row = cap["rows"][kind][prompt]
        lines.append(f"| {label} | " + " | ".join([cell(row["categories"].get(c)) for c in CATEGORIES]
                                                   + [cell(row["overall"])]) + " |")
    return [*lines, ""]


def _verdict(est: dict | None, threshold: float) -> str:
    if not est or est.get("mean") is None or est.get("low") is None:
        return "not measured"
    if est["low"] >= threshold:
        return "met"
    if est["high"] < threshold:
        return "NOT met"
    return "undecided (the interval spans it)"


def _targets(summary: dict, gains: list[dict]) -> list[str]:
    up = summary.get("short+upsample", {}).get("categories", {})
    lines = [f"- Target {_verdict(up.get(c), t)}: {c} binding >= {100 * t:.0f} % (short prompts, upsampling on; "
             f"here {cell(up.get(c))}; met when the whole interval clears it)." for c, t in TARGETS]
    gain = next((g["overall"] for g in gains if g["variant"] == "short+upsample"), None)
    if not gain or gain.get("low") is None:
        verdict = "not measured"
    else:
        verdict = "met" if gain["low"] > 0 else "NOT met" if gain["high"] < 0 else "undecided (the interval spans 0)"
    lines.append(f"- Target {verdict}: upsampling raises the short-prompt scores (mean of the categories; "
                 f"{cell(gain, signed=True)} points).")
    return lines


def _widest_binding(summary: dict) -> str:
    widths = [(s["categories"][c]["high"] - s["categories"][c]["low"]) / 2 for s in summary.values()
              for c in BINDING if s["categories"].get(c, {}).get("low") is not None]
    return f" The widest binding-cell interval here is ±{100 * max(widths):.1f} points." if widths else ""


def prompt_following_lines(results: dict, command: str, seed: int) -> list[str]:
    """The part of the card from HEADING up to (not including) the next subsection."""
    suite = results.get("suite") or {}
    summary = suite.get("summary", {})
    if not summary:
        return [HEADING, "", "(not evaluated in this run)", ""]
    intervals = suite["intervals"]
    prompts = len({i["id"] for i in suite.get("items", [])})
    return [
        HEADING,
        "",
        f"Measured by `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})."
        + ("" if "training.image.evaluate" in command else f" This table alone, on the committed bundle: "
           f"`{reproduce_command(seed)}`."),
        "",
        f"Held-out prompt suite (`training/image/suite.py`): {prompts} prompts (more for the binding categories: colour, "
        f"shape, texture), {suite['imagesPerPrompt']} images per prompt and variant (images 0, 1, … of the item's seed), generated by "
        "the runtime's own pipelines on onnxruntime-node; the classical judge (`gpu-runtime/src/judge/`, no weights, "
        "independent of the generator) reads each image back. Each image passes its category when everything the "
        "user's prompt states of it holds — T2I-CompBench-style 0/1 checks, all of them, as B-VQA multiplies its "
        "per-object answers: colour, texture and size: every named attribute on an object of the named shape "
        "(2-object prompts); shape: every named shape drawn; one object: its colour on its shape; counting: every "
        "stated count; spatial: the stated relation; background: the named background. Cells: % of images passing; "
        "mean: of the categories, each weighing the same. Similarity: the captioner's contrastive-tower score "
        "(100 × cosine). Objects read: how many objects the judge finds in images of 2-object scenes; binding asks "
        "only whether *some* object of the shape has the attribute, so extra objects can match by chance.",
        "",
        f"Intervals: 95 %, a percentile bootstrap over prompts ({intervals['resamples']} resamples, seed "
        f"{intervals['seed']}; `packages/contracts/src/eval/statistics.ts`). Not Wilson's: a prompt's images share its words "
        "and scene, so their outcomes are correlated, and treating them as independent trials would make every "
        "interval too narrow; resampling whole prompts needs no model of that correlation, and the same resampling "
        "gives the similarity's interval and the paired gains below. A cell at 0 % or 100 % has nothing to resample "
        "and shows a zero-width interval: read it as under 3 / prompts (the rule of three) from its end."
        + _widest_binding(summary),
        "",
        *_table(summary),
        "",
        *_gains(suite.get("gains", [])),
        *_cap(results.get("cap")),
        *_targets(summary, suite.get("gains", [])),
        "",
    ]


def reproduce_command(seed: int) -> str:
    return f"/usr/bin/python3 -m training.image.evaluate --seed {seed}"


def reproduce_line(seed: int, command: str | None = None) -> str:
    """The card's Reproduce entry for this part: the command that wrote it, when it was the evaluation alone."""
    command = command if command and "training.image.evaluate" in command else reproduce_command(seed)
    return (f"- The prompt-following table alone, on the committed bundle: `{command}` "
            "(`--quick`: a few prompts per category, seconds)")


# Cards written before this module kept the prompt targets under "### Targets" and named the old
# two-step evaluation under "### Reproduce"; the targets now live in the part this module writes.
_MOVED = tuple(f"- Target {verdict}: {name}" for verdict in ("met", "NOT met")
               for name in ("colour binding", "shape binding", "texture binding", "upsampling raises"))
_OLD_REPRODUCE = "- The evaluation alone:"
_REPRODUCE = "- The prompt-following table alone"


def replace_part(section: str, lines: list[str], seed: int, command: str | None = None) -> str:
    """`section` with its prompt-following part (HEADING to the next '### ') replaced by `lines`."""
    rows = [reproduce_line(seed, command) if r.startswith((_OLD_REPRODUCE, _REPRODUCE)) else r
            for r in section.rstrip("\n").split("\n") if not r.startswith(_MOVED)]
    if HEADING in rows:
        start = rows.index(HEADING)
        end = next((i for i in range(start + 1, len(rows)) if rows[i].startswith("### ")), len(rows))
    else:
        start = end = next((i for i, r in enumerate(rows) if r.startswith("### Decoders")), len(rows))
    gap = [""] if start > 0 and rows[start - 1] else []
    return "\n".join(rows[:start] + gap + lines + rows[end:]) + "\n"


def rewrite_prompt_following(bundle: Path, results: dict, command: str, seed: int) -> None:
    lines = prompt_following_lines(results, command, seed)
    section = read_sections(bundle / "MODEL_CARD.md").get("image-model")
    if section is None:
        section = "## Image model (the generation half of the DALL-E 3 recipe)\n\n"
    write_section(bundle, "image-model", replace_part(section, lines, seed, command))
