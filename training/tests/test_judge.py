from training.judge.accuracy import ATTRIBUTES, judge_accuracy
from training.judge.score import score
from training.world.sample import make_sample
from training.world.scene import STREAMS


def test_judge_reads_held_out_ground_truth_renders():
    acc = judge_accuracy(seed=11, count=200, split="heldout")
    for attribute in ATTRIBUTES:
        assert acc[attribute] >= 0.98, (attribute, acc)
    assert acc["count"] >= 0.98 and acc["background"] >= 0.98


def test_scores_are_perfect_for_the_true_caption_and_drop_for_a_wrong_one():
    for index in range(20):
        s = make_sample(5, STREAMS["heldout"], index)
        good = score(s.descriptive, s.image)
        assert all(v in (None, 1.0) for v in good.values()), (s.descriptive, good)
        obj = s.scene.objects[0]
        wrong_colour = "red" if obj.colour != "red" else "blue"
        bad = score(f"a {wrong_colour} {obj.shape}", s.image)
        if sum(o.shape == obj.shape for o in s.scene.objects) == 1:
            assert bad["colour_binding"] == 0.0
