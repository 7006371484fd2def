"""The model card's upsampler section, from `training.upsampler`'s measurements."""

from pathlib import Path

from ..model_card import write_section
from ..stats import percent_with_interval


def _row(style: str, m: dict) -> str:
    model, served, repairs = m["model"][style], m["served"][style], m["repairs"][style]
    n = served["prompts"]
    cells = [model["faithful"], model["contradictions"], repairs.get("none", 0), repairs.get("dropped-claims", 0),
             repairs.get("rewritten", 0), served["faithful"], served["contradictions"]]
    return f"| {style} | {n} | " + " | ".join(percent_with_interval(k, n) for k in cells) + " |"


def write_upsampler_card(bundle: Path, m: dict) -> None:
    quick = " --quick" if m["quick"] else ""
    styles = m["styles"]
    served_ok = all(m["served"][s]["faithful"] >= 0.98 * m["served"][s]["prompts"] for s in styles)
    no_contradictions = all(m["served"][s]["contradictions"] == 0 for s in styles)
    lines = [
        "## Prompt upsampler (DALL-E 3 report, appendix C: caption upsampling)",
        "",
        f"Command: `/usr/bin/python3 -m training.upsampler --seed {m['seed']}{quick}` (trains, exports "
        "`image/upsampler_*.onnx` and model.json's `upsampler` entry, then measures the served rewrites).",
        "",
        "A pre-norm transformer encoder–decoder (1 + 3 layers, width 128, about 1.1 M parameters) rewrites a "
        "short prompt into the descriptive captions the image model was trained on. Training pairs: a user-like "
        "prompt of a labelled scene in one of the styles below (20 % of them with the background stated too) "
        "and a ground-truth descriptive caption of the same scene, so the target never says anything against "
        f"the prompt. {m['steps']} steps × batch {m['batch_size']}, teacher forcing, AdamW, "
        f"{m['train_seconds'] / 60:.1f} min on one CPU thread.",
        "",
        "As served (`PromptUpsamplerPipeline` in the runtime), the model's greedy rewrite is read back with the "
        "world's caption parser and checked against what the prompt states (objects and their count, each "
        "stated colour, shape, texture, size and position, one relation, the background). A rewrite that keeps "
        "everything and is consistent with itself is served as written (*as written*); one whose only fault is a "
        "relation or count sentence that does not hold is served without those sentences (*claims dropped*); any "
        "other is rewritten: the stated facts win, the model's own details (sizes, textures, cells, background "
        "where the user was silent) are kept where they do not conflict, and the scene is written again in the "
        "training captions' phrasing (*rewritten*). `revised_prompt` is English (capitalised "
        "sentences, normal punctuation); the tokenizer lower-cases and splits it back into the words the "
        "image model reads.",
        "",
        f"Held-out prompts (scenes of the held-out stream, unseen in training), scored against the facts each "
        f"prompt was built with, never by parsing the prompt; rewritten through onnxruntime-node "
        f"({m['ms_per_prompt']:.1f} ms per prompt, repair included). Faithful: every stated fact kept, "
        "nothing invented, and the rewrite consistent with itself. Contradiction: another background, another "
        "number of objects, a stated attribute changed, or the relation reversed. Brackets: Wilson 95 % "
        "intervals.",
        "",
        "| prompt style | prompts | model: faithful | model: contradictions | as written | claims dropped "
        "| rewritten | served: faithful | served: contradictions |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(s, m) for s in styles),
        "",
        "Examples (prompt → served rewrite):",
        "",
        *(f"- {s}: \"{m['served'][s]['example']['prompt']}\" → \"{m['served'][s]['example']['rewrite']}\""
          for s in styles),
        "",
        "Targets:",
        f"- Target {'met' if served_ok else 'NOT met'}: ≥ 98 % faithful on every prompt style, as served.",
        f"- Target {'met' if no_contradictions else 'NOT met'}: no contradiction of a stated fact in the held-out "
        "set, as served.",
    ]
    write_section(bundle, "upsampler", "\n".join(lines))
