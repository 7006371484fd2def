import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from training.captioner.tokenizer import UNK, Tokenizer, build_vocab
from training import upsampler as U
from training.image.prompts import (PROMPT_STYLES, Prompt, PromptObject, make_prompt, random_prompt,
                                    random_short_prompt, short_prompt)
from training.paths import BUNDLE, TINY_LIMNER
from training.world import vocab
from training.world.parser import parse_mentions
from training.world.scene import STREAMS, sample_scene
from training.world.texts import descriptive_caption

FIXTURE = TINY_LIMNER / "model.json"
_PLURALS = {p: s for s, p in vocab.SHAPE_PLURALS.items()}


@pytest.fixture(scope="module")
def tok():
    return Tokenizer(build_vocab(300))


def _scenes(n=300):
    return [sample_scene(5, STREAMS["heldout"], i) for i in range(n)]


def _count_phrases(text: str) -> Counter:
    """(colour or None, shape) -> how many, read from "two red stars and a blue circle"."""
    out = Counter()
    for phrase in text.replace(" and ", " , ").split(" , "):
        words = phrase.split()
        number = 1 if words[0] == "a" else vocab.NUMBER_WORDS.index(words[0])
        colour = words[1] if words[1] in vocab.COLOURS else None
        out[(colour, _PLURALS.get(words[-1], words[-1]))] += number
    return out


def test_prompts_use_only_vocabulary_words(tok):
    for i, scene in enumerate(_scenes()):
        rng = np.random.default_rng(i)
        for style in PROMPT_STYLES:
            text = short_prompt(scene, rng, style)
            if text is not None:
                assert text == text.lower() and tok.id(UNK) not in tok.encode(text), text
                assert len(U.frame(tok, text, 10**3)) <= U.UPSAMPLER_MAX_INPUT


def test_every_style_names_every_object():
    seen = Counter()
    for i, scene in enumerate(_scenes()):
        rng = np.random.default_rng(i)
        for style in PROMPT_STYLES:
            prompt = make_prompt(scene, rng, style)
            if prompt is None:
                continue
            seen[style] += 1
            assert len(prompt.objects) == len(scene.objects)
            if style == "count":
                counted = _count_phrases(prompt.text)
                assert counted == Counter((o.colour, o.shape) for o in prompt.objects), prompt.text
                assert Counter(o.shape for o in prompt.objects) == Counter(o.shape for o in scene.objects)
                named = Counter((o.colour, o.shape) for o in scene.objects)
                assert all(named[name] == k for name, k in counted.items() if name[0] is not None), prompt.text
                continue
            mentions = parse_mentions(prompt.text)
            want = sorted((o.shape, o.colour if style != "texture" else None,
                           o.texture if style in ("texture", "full") else None) for o in scene.objects)
            assert sorted((m.shape, m.colour, m.texture) for m in mentions) == want, prompt.text
    assert all(seen[style] > 0 for style in PROMPT_STYLES)


def test_count_and_spatial_apply_only_where_documented():
    for i, scene in enumerate(_scenes()):
        rng = np.random.default_rng(i)
        names = Counter((o.colour, o.shape) for o in scene.objects)
        one_shape = len(scene.objects) > 1 and len({o.shape for o in scene.objects}) == 1
        assert (make_prompt(scene, rng, "count") is not None) == (max(names.values()) > 1 or one_shape)
        if len(scene.objects) == 1:
            assert make_prompt(scene, rng, "spatial") is None
        assert isinstance(random_short_prompt(scene, rng), str)


def test_spatial_relations_are_true():
    checked = 0
    for i, scene in enumerate(_scenes()):
        prompt = make_prompt(scene, np.random.default_rng(i), "spatial")
        if prompt is None:
            continue
        i, relation, j = prompt.relation
        a_name, b_name = prompt.objects[i], prompt.objects[j]
        phrase = {"left": "to the left of", "right": "to the right of", "above": "above", "below": "below"}[relation]
        assert f"a {a_name.colour} {a_name.shape} {phrase} a {b_name.colour} {b_name.shape}" in prompt.text
        a = next(o for o in scene.objects if (o.colour, o.shape) == (a_name.colour, a_name.shape))
        b = next(o for o in scene.objects if (o.colour, o.shape) == (b_name.colour, b_name.shape))
        assert {"left": a.col < b.col, "right": a.col > b.col, "above": a.row < b.row, "below": a.row > b.row}[relation]
        checked += 1
    assert checked > 50


def test_given_order_is_kept():
    for i, scene in enumerate(_scenes()):
        rng = np.random.default_rng(i)
        order = list(rng.permutation(len(scene.objects)))
        shapes = [scene.objects[k].shape for k in order]
        for style in PROMPT_STYLES:
            prompt = make_prompt(scene, rng, style, order)
            if prompt is None:
                continue
            assert [o.shape for o in prompt.objects] == shapes, (style, prompt.text)
            if prompt.relation is not None:
                assert prompt.relation[2] == prompt.relation[0] + 1
    with pytest.raises(ValueError):
        make_prompt(_scenes(1)[0], np.random.default_rng(0), "colour", [0, 0, 0, 0, 0])


def test_random_prompt_mix_is_seeded_and_varied():
    scenes = _scenes(200)
    first = [random_short_prompt(s, np.random.default_rng(i)) for i, s in enumerate(scenes)]
    assert first == [random_short_prompt(s, np.random.default_rng(i)) for i, s in enumerate(scenes)]
    styles = Counter(random_prompt(s, np.random.default_rng(i)).style for i, s in enumerate(scenes))
    assert set(styles) == set(PROMPT_STYLES)


def test_fidelity_accepts_ground_truth_and_rejects_changes():
    for i, scene in enumerate(_scenes(200)):
        rng = np.random.default_rng(i)
        caption = descriptive_caption(scene, rng)
        assert U.self_consistent(caption), caption
        for style in PROMPT_STYLES:
            prompt = make_prompt(scene, rng, style)
            if prompt is not None:
                assert U.faithful(prompt, caption), (prompt.text, caption)
    good = "two objects on a white background . a small red star is at the top left . a large blue circle is at the bottom right ."
    prompt = Prompt("colour", "a red star and a blue circle", (
        PromptObject("star", "red", None), PromptObject("circle", "blue", None)))
    assert U.faithful(prompt, good)
    assert not U.faithful(prompt, good.replace("blue circle", "green circle"))
    assert not U.faithful(prompt, good.split(" a large")[0])
    spatial = Prompt("spatial", "a red star to the right of a blue circle", prompt.objects, (0, "right", 1))
    assert not U.faithful(spatial, good)
    assert not U.self_consistent(good + " the red star is below the blue circle .")


def test_size_and_background_are_stated_facts():
    good = "two objects on a black background . a small red star is at the top left . a large blue circle is at the bottom right ."
    sized = Prompt("size", "a small red star and a large blue circle", (
        PromptObject("star", "red", None, "small"), PromptObject("circle", "blue", None, "large")))
    assert U.faithful(sized, good) and not U.contradicts(sized, good)
    assert not U.faithful(sized, good.replace("small red", "large red"))
    assert U.contradicts(sized, good.replace("small red", "large red"))
    on_black = Prompt("background", "a red star and a blue circle on a black background", (PromptObject("star", "red", None),
                                                    PromptObject("circle", "blue", None)), background="black")
    assert U.faithful(on_black, good)
    assert U.contradicts(on_black, good.replace("black", "white"))
    # An invented object contradicts the stated number of objects; a missing texture does not.
    assert U.contradicts(on_black, good + " a small green heart is in the centre .")
    assert not U.contradicts(on_black, good.replace(" small", ""))


def test_heldout_prompts_cover_every_style_apart_from_training():
    prompts = U.heldout_prompts(0, 5)
    assert Counter(p.style for p in prompts) == {style: 5 for style in PROMPT_STYLES}
    assert len({p.text for p in prompts}) > 25
    assert all(p.background for p in prompts if p.style == "background")


def test_quick_command_exports_and_scores_the_served_rewrites(tmp_path):
    """`python3 -m training.upsampler --quick`: toy training, ONNX export into a copy of the
    bundle's manifest, the runtime's pipeline on onnxruntime-node, Python scoring, card."""
    from training.upsampler.__main__ import main

    out = tmp_path / "bundle"
    shutil.copytree(BUNDLE, out)
    metrics = main(["--quick", "--out", str(out)])
    assert json.loads((out / "model.json").read_text())["upsampler_training"]["steps"] == 3
    assert (out / "image" / "upsampler_decoder.onnx").exists()
    for style in PROMPT_STYLES:
        served = metrics["served"][style]
        # Toy weights write nonsense; what is served is repaired, and keeps every stated fact.
        assert served["prompts"] == 3 and served["faithful"] == 3 and served["contradictions"] == 0, style
    assert "## Prompt upsampler" in (out / "MODEL_CARD.md").read_text()


def test_tiny_training_resumes_and_exports_the_manifest_entry(tok, tmp_path):
    logs = []
    checkpoint = tmp_path / "upsampler.pt"
    model = U.train_upsampler(tok, 0, 3, 4, checkpoint, log=logs.append, threads=1)
    assert checkpoint.exists() and "step 3/3" in logs[-1]
    again = U.train_upsampler(tok, 0, 3, 4, checkpoint, log=logs.append, threads=1)
    assert "resumed" in logs[-1]
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    with pytest.raises(ValueError):
        U.train_upsampler(tok, 1, 3, 4, checkpoint, log=logs.append)

    entry = U.export_upsampler(model, tmp_path / "onnx")
    fixture = json.loads(FIXTURE.read_text())["components"]["upsampler"]
    assert _same_shape(entry, fixture)
    assert entry["encoder"]["outputs"]["memory"]["shape"] == ["batch", "source", U.WIDTH]
    assert entry["decoder"]["outputs"]["logits"]["shape"] == ["batch", "target", tok.size]
    assert entry["decoding"] == {"strategy": "greedy", "bos_id": 1, "eos_id": 2, "pad_id": 0,
                                 "max_input_length": 32, "max_length": U.UPSAMPLER_MAX_LENGTH}
    total = 0
    for part in ("encoder", "decoder"):
        path = tmp_path / "onnx" / entry[part]["file"]
        assert path.exists()
        total += path.stat().st_size
        graph = path.read_bytes()
        for tensor in list(entry[part]["inputs"].values()) + list(entry[part]["outputs"].values()):
            assert tensor["name"].encode() in graph
    assert total <= 5e6


def _same_shape(entry: dict, fixture: dict) -> bool:
    """Same keys, names and dtypes as the fixture's entry; sizes may differ."""
    if isinstance(entry, dict):
        return entry.keys() == fixture.keys() and all(_same_shape(entry[k], fixture[k]) for k in entry)
    if isinstance(entry, list):
        return len(entry) == len(fixture) and all(_same_shape(a, b) for a, b in zip(entry, fixture))
    if isinstance(entry, int):
        return isinstance(fixture, int)
    return entry == fixture


def test_greedy_decoding_stops_at_eos_or_the_limit(tok):
    torch.manual_seed(0)
    model = U.Upsampler(tok.size).eval()
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
        model.head.bias[U.EOS_ID] = 5.0
    assert U.upsample_greedy(model, tok, ["a red star", "two stars"]) == ["", ""]
    with torch.no_grad():
        model.head.bias[U.EOS_ID] = 0.0
        model.head.bias[U.BOS_ID] = 9.0  # masked, as in the runtime
        model.head.bias[tok.id("star")] = 5.0
    out = U.upsample_greedy(model, tok, ["a red star"])
    assert out == [" ".join(["star"] * (U.UPSAMPLER_MAX_LENGTH - 1))]
    assert U.upsample_greedy(model, tok, []) == []


def test_cached_batched_decoding_matches_the_exported_forward(tok):
    """upsample_greedy (key/value cache, padded batch) picks what the ONNX decoder graph (full
    forward, one unpadded prompt) would, so PyTorch fidelity numbers hold for the runtime."""
    torch.manual_seed(1)
    model = U.Upsampler(tok.size).eval()
    prompts = ["a red star", "a blue dotted circle to the left of a green square and two hearts"]
    batched = U.upsample_greedy(model, tok, prompts)
    assert batched == [U.upsample_greedy(model, tok, [p])[0] for p in prompts]
    with torch.no_grad():
        for prompt, text in zip(prompts, batched):
            memory = model.encode(torch.tensor([U.frame(tok, prompt, U.UPSAMPLER_MAX_INPUT)]))
            ids = [U.BOS_ID] + tok.encode(text)
            logits = model.decode(memory, torch.tensor([ids]))[0]
            logits[:, [U.BOS_ID, U.PAD_ID]] = float("-inf")
            picked = logits.argmax(-1).tolist()
            assert picked[:-1] == ids[1:]
            assert picked[-1] == U.EOS_ID or len(ids) == U.UPSAMPLER_MAX_LENGTH
