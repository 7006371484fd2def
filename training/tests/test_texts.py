from collections import Counter

from training.captioner.tokenizer import UNK, Tokenizer, build_vocab
from training.world import texts, vocab
from training.world.parser import parse_descriptive, parse_mentions
from training.world.sample import iter_samples


def _samples(n=600):
    return list(iter_samples(3, "heldout", 0, n))


def test_descriptive_caption_parses_back_to_the_scene_graph():
    for s in _samples():
        parsed = parse_descriptive(s.descriptive)
        assert parsed.background == s.scene.background
        assert parsed.count == len(s.scene.objects)
        got = sorted((o.shape, o.colour, o.size, o.texture, o.row, o.col) for o in parsed.objects)
        want = sorted((o.shape, o.colour, o.size, o.texture, o.row, o.col) for o in s.scene.objects)
        assert got == want, s.descriptive
        for shape, k in parsed.shape_counts.items():
            assert sum(o.shape == shape for o in s.scene.objects) == k
        for ca, sa, rel, cb, sb in parsed.relations:
            a = next(o for o in s.scene.objects if (o.colour, o.shape) == (ca, sa))
            b = next(o for o in s.scene.objects if (o.colour, o.shape) == (cb, sb))
            assert {"left": a.col < b.col, "right": a.col > b.col, "above": a.row < b.row, "below": a.row > b.row}[rel]


def test_descriptive_phrasing_varies():
    openings = Counter(s.descriptive.split(" . ")[1].split()[0] for s in _samples(300))
    assert len(openings) >= 4


def test_short_caption_names_main_subjects_only():
    for s in _samples(300):
        mentions = [(m.colour, m.shape) for m in parse_mentions(s.short)]
        subjects = texts.main_subjects(s.scene)
        assert mentions == [(o.colour, o.shape) for o in subjects]
        assert 1 <= len(mentions) <= 2


def test_alt_text_mix_matches_documented_fractions():
    kinds = Counter(s.alt_kind for s in iter_samples(0, "unlabelled", 0, 4000))
    for kind, fraction in texts.ALT_TEXT_MIX.items():
        assert abs(kinds[kind] / 4000 - fraction) < 0.03, (kind, kinds[kind])


def test_alt_text_is_often_uninformative():
    # Scraped alt-text rarely describes the whole scene; ours must not either.
    full = sum(
        all(o.colour in s.alt_text and o.shape in s.alt_text for o in s.scene.objects)
        for s in iter_samples(0, "unlabelled", 0, 1000)
    )
    assert full < 250


def test_tokenizer_covers_captions_and_is_hf_wordlevel():
    tok = Tokenizer(build_vocab(500))
    unk = tok.id(UNK)
    for s in _samples(400):
        assert unk not in tok.encode(s.descriptive)
        assert unk not in tok.encode(s.short)
        assert tok.decode(tok.encode(s.descriptive)) == s.descriptive
    hf = tok.to_hf_json()
    assert hf["model"]["type"] == "WordLevel" and hf["pre_tokenizer"]["type"] == "Whitespace"
    assert [t["content"] for t in hf["added_tokens"]][:4] == ["[PAD]", "[BOS]", "[EOS]", "[UNK]"]
    assert set(vocab.COLOURS) <= set(hf["model"]["vocab"])


def test_pretty_keeps_file_names_and_parses_the_same():
    assert texts.pretty("img_2034 . jpg") == "Img_2034.jpg"
    for s in _samples(50):
        assert parse_descriptive(texts.pretty(s.descriptive)) == parse_descriptive(s.descriptive)
