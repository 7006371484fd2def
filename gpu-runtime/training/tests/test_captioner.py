import numpy as np
import torch

from training.captioner.batches import index_by_bucket, iter_batches
from training.captioner.decode import number_ids
from training.captioner.model import CountGrounding
from training.captioner.tokenizer import Tokenizer, build_vocab

TOK = Tokenizer(build_vocab())


def test_batches_rendered_by_worker_processes_equal_those_rendered_in_process():
    groups = index_by_bucket(0, "labelled", 300)
    plain = iter_batches(TOK, 0, groups, 8, 0.3, np.random.default_rng(1))
    pooled = iter_batches(TOK, 0, groups, 8, 0.3, np.random.default_rng(1), workers=2)
    try:
        for _ in range(3):
            a, b = next(plain), next(pooled)
            assert torch.equal(a.pixels, b.pixels)
            assert torch.equal(a.decoder_ids, b.decoder_ids) and torch.equal(a.targets, b.targets)
            assert torch.equal(a.tower_ids, b.tower_ids)
            assert all(torch.equal(a.cells[k], b.cells[k]) for k in a.cells)
    finally:
        pooled.close()


def test_count_grounding_moves_number_mass_to_the_counted_word_until_a_number_is_said():
    ids = number_ids(TOK)
    log_probs = torch.randn(2, TOK.size).log_softmax(-1)
    grounding = CountGrounding(torch.tensor([3, 9]), ids)  # 9 is clamped to four
    nothing_said = torch.tensor([[5, 6], [5, 6]])
    out = grounding.apply(nothing_said, log_probs)
    mass = log_probs[:, ids].logsumexp(1)
    assert torch.allclose(out[0, ids[2]], mass[0]) and torch.allclose(out[1, ids[3]], mass[1])
    assert torch.isinf(out[0, [ids[0], ids[1], ids[3]]]).all()
    assert torch.allclose(out.exp().sum(1), torch.ones(2))  # still normalised
    said = torch.tensor([[5, ids[0]], [ids[1], 6]])
    assert torch.equal(grounding.apply(said, log_probs), log_probs)
