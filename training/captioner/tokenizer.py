"""Word-level tokenizer over the world's closed vocabulary, saved in Hugging Face
tokenizers JSON format (WordLevel model, Lowercase normaliser, Whitespace pre-tokenizer)."""

import json
import re
from pathlib import Path

from ..world import texts, vocab
from ..world.sample import make_sample
from ..world.scene import STREAMS

PAD, BOS, EOS, UNK, SHORT, DESC = "[PAD]", "[BOS]", "[EOS]", "[UNK]", "[SHORT]", "[DESC]"
SPECIALS = (PAD, BOS, EOS, UNK, SHORT, DESC)
MODES = {"short": SHORT, "descriptive": DESC}
# Same split as HF's Whitespace pre-tokenizer: runs of word characters, or of punctuation.
_PRETOKEN = re.compile(r"\w+|[^\w\s]+")


def _fixed_words() -> set[str]:
    words = set(vocab.COLOURS) | set(vocab.BACKGROUNDS) | set(vocab.SHAPES) | set(vocab.SHAPE_PLURALS.values())
    words |= set(vocab.SIZES) | set(vocab.TEXTURES) | set(vocab.ROWS) | set(vocab.COLUMNS) | set(vocab.NUMBER_WORDS)
    for group in (texts._AD_COPY, texts._GENERIC, texts._VAGUE, texts._PARTIAL, texts._FILE_EXTS):
        for phrase in group:
            words |= set(_PRETOKEN.findall(re.sub(r"\{\w+\}", " ", phrase).lower()))
    return words


def build_vocab(probe_samples: int = 3000) -> list[str]:
    """Specials, then sorted words: the fixed lists plus every template word seen in a probe of
    the world's texts (numbers and file-name stems map to [UNK] on purpose)."""
    words = _fixed_words()
    for i in range(probe_samples):
        s = make_sample(0, STREAMS["labelled"], i)
        for text in (s.short, s.descriptive, s.alt_text):
            words |= {w for w in _PRETOKEN.findall(text.lower()) if not any(ch.isdigit() for ch in w)}
    return list(SPECIALS) + sorted(words - set(SPECIALS))


class Tokenizer:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}

    @property
    def size(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        return self.ids[token]

    def encode(self, text: str) -> list[int]:
        unk = self.ids[UNK]
        return [self.ids.get(w, unk) for w in _PRETOKEN.findall(text.lower())]

    def decode(self, ids: list[int]) -> str:
        out = []
        for i in ids:
            tok = self.tokens[i]
            if tok == EOS:
                break
            if tok not in SPECIALS:
                out.append(tok)
        return " ".join(out)

    def to_hf_json(self) -> dict:
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for i, t in enumerate(SPECIALS)
            ],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": None,
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": dict(self.ids), "unk_token": UNK},
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_hf_json(), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "Tokenizer":
        vocab_map = json.loads(path.read_text())["model"]["vocab"]
        return cls([t for t, _ in sorted(vocab_map.items(), key=lambda kv: kv[1])])
