"""CoCa-style captioner (Yu et al. 2022, "CoCa: Contrastive Captioners are Image-Text
Foundation Models"), scaled down for the shapes world.

- ImageEncoder: strided conv stack -> grid of image tokens (1/16 of the input side) with
  Fourier position features of *normalised* coordinates, so "left/right/top" mean the same
  at every aspect-ratio bucket; mean-pooled tokens give the contrastive image embedding.
- TextTower: small bidirectional transformer over a caption; mean-pooled -> text embedding.
- TextDecoder: causal transformer with cross-attention to image tokens; a mode token after
  [BOS] ([SHORT] or [DESC]) selects the caption style (the DALL-E 3 report's two fine-tunes).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..world import vocab

AUX_CLASSES = {"present": 2, "shape": len(vocab.SHAPES), "colour": len(vocab.COLOURS),
               "texture": len(vocab.TEXTURES), "size": len(vocab.SIZES)}
MAX_LEN = 112  # [BOS] [MODE] + the longest descriptive caption (95 words) + [EOS], with slack


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        return x.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)

    def keys_values(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k, v = self.kv(context).chunk(2, dim=-1)
        return self.split(k), self.split(v)

    def attend(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        q = self.split(self.q(x))
        scores = (q * self.scale) @ k.transpose(-1, -2)
        if bias is not None:
            scores = scores + bias
        y = scores.softmax(-1) @ v
        b, h, n, dh = y.shape
        return self.out(y.transpose(1, 2).reshape(b, n, h * dh))

    def forward(self, x: torch.Tensor, context: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        k, v = self.keys_values(context)
        return self.attend(x, k, v, bias)


class Block(nn.Module):
    """Pre-norm transformer block; cross-attention only in the decoder."""

    def __init__(self, dim: int, heads: int, cross: bool, ffn_mult: int = 3):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.cross = cross
        if cross:
            self.norm2 = nn.LayerNorm(dim)
            self.cross_attn = Attention(dim, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn_mult * dim), nn.GELU(), nn.Linear(ffn_mult * dim, dim))

    def forward(self, x, bias=None, image=None):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, bias)
        if self.cross:
            x = x + self.cross_attn(self.norm2(x), image)
        return x + self.ffn(self.norm3(x))


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.GELU())


def grid_position_features(h: int, w: int, device) -> torch.Tensor:
    """Fourier features of token centres in [0, 1]^2: (h*w, 16)."""
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
    yy = ys[:, None].expand(h, w).reshape(-1, 1)
    xx = xs[None, :].expand(h, w).reshape(-1, 1)
    freqs = torch.arange(1, 5, device=device, dtype=torch.float32)[None, :] * math.pi
    return torch.cat([torch.sin(xx * freqs), torch.cos(xx * freqs), torch.sin(yy * freqs), torch.cos(yy * freqs)], 1)


def cell_pooling(h: int, w: int, device) -> torch.Tensor:
    """(9, h*w) averaging weights of the token grid over the image's 3x3 grid cells, from
    normalised token centres, so it works at every bucket (and exports with dynamic h, w)."""
    rows = torch.floor((torch.arange(h, device=device, dtype=torch.float32) + 0.5) * 3 / h)
    cols = torch.floor((torch.arange(w, device=device, dtype=torch.float32) + 0.5) * 3 / w)
    cell = (rows[:, None] * 3 + cols[None, :]).reshape(-1)
    onehot = (cell[None, :] == torch.arange(9, device=device, dtype=torch.float32)[:, None]).float()
    return onehot / onehot.sum(1, keepdim=True)


class ImageEncoder(nn.Module):
    """(B, 3, H, W) RGB in [0, 1] -> tokens (B, H/16 * W/16 + 9, dim), embedding (B, embed).

    The last 9 tokens are per-cell summaries (mean of the grid tokens in each cell of the
    3x3 layout grid, plus a learned cell embedding): the decoder can read "what is in the
    top-left cell" from one token, and the auxiliary attribute loss trains them directly.
    """

    def __init__(self, dim: int = 128, embed: int = 128, widths=(32, 48, 96, 128)):
        super().__init__()
        c1, c2, c3, c4 = widths
        self.convs = nn.Sequential(
            _conv(3, c1, 2), _conv(c1, c2, 2), _conv(c2, c2, 1), _conv(c2, c3, 2), _conv(c3, c3, 1), _conv(c3, c4, 2)
        )
        self.proj = nn.Conv2d(c4, dim, 1)
        self.pos = nn.Linear(16, dim)
        self.cell_embed = nn.Parameter(torch.zeros(9, dim))
        self.norm = nn.LayerNorm(dim)
        self.embed = nn.Linear(dim, embed)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.proj(self.convs(pixels * 2 - 1))
        b, d, h, w = x.shape
        grid = x.flatten(2).transpose(1, 2) + self.pos(grid_position_features(h, w, x.device))
        cells = cell_pooling(h, w, x.device) @ grid + self.cell_embed
        tokens = self.norm(torch.cat([grid, cells], 1))
        return tokens, F.normalize(self.embed(tokens.mean(1)), dim=-1)


class TextTower(nn.Module):
    """(B, L) int64 ids, [PAD]=0 ignored -> (B, embed) unit-norm text embedding."""

    def __init__(self, vocab_size: int, dim: int = 128, embed: int = 128, layers: int = 2, heads: int = 4):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(MAX_LEN, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, cross=False) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.embed = nn.Linear(dim, embed)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        keep = (ids != 0).float()
        x = self.tok(ids) + self.pos[: ids.shape[1]]
        bias = ((1 - keep) * -1e4)[:, None, None, :]
        for block in self.blocks:
            x = block(x, bias)
        x = self.norm(x)
        pooled = (x * keep[..., None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.embed(pooled), dim=-1)


class TextDecoder(nn.Module):
    """(B, N, dim) image tokens + (B, T) ids -> (B, T, vocab) next-token logits."""

    def __init__(self, vocab_size: int, dim: int = 128, layers: int = 3, heads: int = 4):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(MAX_LEN, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, cross=True) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size)

    def forward(self, image_tokens: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        x = self.tok(ids) + self.pos[:t]
        steps = torch.arange(t, device=ids.device)
        causal = (steps[None, :] > steps[:, None]).float() * -1e4
        for block in self.blocks:
            x = block(x, causal, image_tokens)
        return self.head(self.norm(x))

    @torch.no_grad()
    def generate(self, image_tokens: torch.Tensor, prefix: torch.Tensor, max_len: int, eos: int,
                 grounding: "CountGrounding | None" = None) -> torch.Tensor:
        """Greedy decoding with a key/value cache (used for bulk recaptioning in PyTorch;
        the ONNX export is the plain forward, re-run per step by callers). With `grounding`,
        the caption's first number word is the encoder's object count (see CountGrounding).

        Rows leave the batch as soon as they say [EOS] (the rest of their row is [PAD], 0):
        descriptive captions run from about 20 to 95 words, so a batch that kept decoding its
        finished rows until the longest one ended would spend much of its time on padding."""
        cross = [blk.cross_attn.keys_values(image_tokens) for blk in self.blocks]
        cache: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * len(self.blocks)
        ids = prefix
        step_in = prefix
        active = torch.arange(prefix.shape[0], device=prefix.device)  # rows still decoding
        while ids.shape[1] < max_len:
            start = ids.shape[1] - step_in.shape[1]
            x = self.tok(step_in) + self.pos[start : ids.shape[1]]
            total = ids.shape[1]
            q_pos = torch.arange(start, total, device=prefix.device)
            k_pos = torch.arange(total, device=prefix.device)
            bias = (k_pos[None, :] > q_pos[:, None]).float() * -1e4
            for i, blk in enumerate(self.blocks):
                h = blk.norm1(x)
                k_new, v_new = blk.self_attn.keys_values(h)
                if cache[i] is not None:
                    k_new = torch.cat([cache[i][0], k_new], 2)
                    v_new = torch.cat([cache[i][1], v_new], 2)
                cache[i] = (k_new, v_new)
                x = x + blk.self_attn.attend(h, k_new, v_new, bias)
                x = x + blk.cross_attn.attend(blk.norm2(x), *cross[i], None)
                x = x + blk.ffn(blk.norm3(x))
            scores = self.head(self.norm(x[:, -1])).log_softmax(-1)
            if grounding is not None:
                scores = grounding.apply(ids[active, prefix.shape[1]:], scores, active)
            nxt = scores.argmax(-1)
            column = torch.zeros(ids.shape[0], dtype=ids.dtype, device=ids.device)
            column[active] = nxt
            ids = torch.cat([ids, column[:, None]], 1)
            going = nxt != eos
            if not bool(going.any()):
                break
            if not bool(going.all()):
                active, nxt = active[going], nxt[going]
                cache = [(k[going], v[going]) for k, v in cache]
                cross = [(k[going], v[going]) for k, v in cross]
            step_in = nxt[:, None]
        return ids


class CountGrounding:
    """Grounds a descriptive caption's object count in the encoder's cell-presence head.

    The decoder decides *when* to say the count (its intro sentence, "... and three objects"),
    but counting by attention is its weakest skill: a wrong count word then makes it repeat or
    drop objects to match. The presence head (trained on the labelled captions, like the rest)
    counts objects reliably, so until a number word has been generated, the probability mass
    of all number words goes to the one for the predicted count. Log-probabilities stay
    normalised, so greedy and beam search work unchanged.
    """

    def __init__(self, counts: torch.Tensor, number_ids: list[int]):
        self.counts = counts.clamp(1, len(number_ids)) - 1  # (B,) index into number_ids
        self.number_ids = torch.tensor(number_ids, device=counts.device)

    def apply(self, generated: torch.Tensor, log_probs: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """`generated` and `log_probs` are the batch's `rows` (default: all of them)."""
        counts = self.counts if rows is None else self.counts[rows]
        said = torch.isin(generated, self.number_ids).any(1)
        mass = log_probs[:, self.number_ids].logsumexp(1)
        grounded = log_probs.clone()
        grounded[:, self.number_ids] = float("-inf")
        grounded[torch.arange(len(mass), device=mass.device), self.number_ids[counts]] = mass
        return torch.where(said[:, None], log_probs, grounded)


class Captioner(nn.Module):
    def __init__(self, vocab_size: int, dim: int = 128, embed: int = 128, decoder_layers: int = 3,
                 tower_layers: int = 2, widths=(32, 48, 96, 128)):
        super().__init__()
        self.encoder = ImageEncoder(dim, embed, widths)
        self.tower = TextTower(vocab_size, dim, embed, tower_layers)
        self.decoder = TextDecoder(vocab_size, dim, decoder_layers)
        # Training-only heads on the 9 cell tokens (not exported): what the labelled caption
        # says is in each cell. Dense supervision that teaches the encoder texture and shape
        # far sooner than the caption loss alone.
        self.aux = nn.ModuleDict({name: nn.Linear(dim, n) for name, n in AUX_CLASSES.items()})
        # CLIP's learnable temperature, initialised at 1/0.07.
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def object_count(self, image_tokens: torch.Tensor) -> torch.Tensor:
        """(B,) int64: layout cells the presence head marks occupied (at most one object per cell)."""
        return self.aux["present"](image_tokens[:, -9:]).argmax(-1).sum(-1)
