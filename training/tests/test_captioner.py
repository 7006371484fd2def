import json

import numpy as np
import torch

from training.captioner.batches import index_by_bucket, iter_batches
from training.captioner.decode import number_ids
from training.captioner.model import Captioner, CountGrounding, TextDecoder
from training.captioner.tokenizer import Tokenizer, build_vocab
from training.captioner.train import TrainConfig, train
from training.data.config import QUICK

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


def test_training_resumes_after_the_last_finished_stage_from_its_checkpoint_alone(tmp_path):
    stages = QUICK.stages
    trained = Captioner(TOK.size)
    torch.nn.init.constant_(trained.decoder.head.bias, 0.5)  # a weight no fresh model has
    for stage in stages:  # timings for every stage, but only the last stage's checkpoint
        (tmp_path / f"stage_{stage.name}.json").write_text(json.dumps({"seconds": 1.0, "steps": stage.steps}))
    torch.save(trained.state_dict(), tmp_path / f"stage_{stages[-1].name}.pt")
    model = Captioner(TOK.size)
    timings = train(model, TOK, 0, TrainConfig(50, 4, stages, warmup=1), tmp_path, log=lambda _: None)
    assert timings == {stage.name: 1.0 for stage in stages}  # nothing retrained
    assert torch.equal(model.decoder.head.bias, trained.decoder.head.bias)


def test_greedy_decoding_drops_finished_rows_and_gives_each_row_what_it_gives_alone():
    torch.manual_seed(0)
    decoder = TextDecoder(30).eval()
    images, prefix, eos = torch.randn(8, 10, 128), torch.tensor([[1, 5]] * 8), 2
    # Counts 1-3 over number words 20-22, so the grounded path's per-row state is subset too.
    grounding = CountGrounding(torch.tensor([1, 2, 3, 1, 2, 3, 1, 2]), [20, 21, 22])
    for ground in (None, grounding):
        batch = decoder.generate(images, prefix, 40, eos, ground)
        ends = [int((row == eos).nonzero()[0]) if (row == eos).any() else None for row in batch]
        assert len(set(ends)) >= 4 and None in ends  # rows finish at different steps, one never
        for i, row in enumerate(batch):
            alone = decoder.generate(images[i : i + 1], prefix[i : i + 1], 40, eos,
                                     ground and CountGrounding(ground.counts[i : i + 1] + 1, [20, 21, 22]))
            assert torch.equal(row[: alone.shape[1]], alone[0])
            assert not row[alone.shape[1]:].any()  # [PAD] after [EOS]
