from training.captioner.metrics import CaptionScores
from training.world.sample import iter_samples


def test_ground_truth_captions_score_perfectly():
    desc, short = CaptionScores("descriptive"), CaptionScores("short")
    for s in iter_samples(0, "heldout", 0, 100):
        desc.add(s.scene, s.descriptive)
        short.add(s.scene, s.short)
    d, sh = desc.summary(), short.summary()
    assert d["colour_shape_texture_correct"] == 1.0 and d["hallucination_rate"] == 0.0
    assert all(d[f"{a}_accuracy"] == 1.0 for a in ("colour", "shape", "texture", "size", "position"))
    assert sh["colour_shape_correct"] == 1.0 and sh["hallucination_rate"] == 0.0


def test_hallucinated_and_missing_objects_are_counted():
    s = next(o for o in iter_samples(0, "heldout", 0, 50) if len(o.scene.objects) == 1)
    obj = s.scene.objects[0]
    other = "heart" if obj.shape != "heart" else "star"
    scores = CaptionScores("descriptive")
    scores.add(s.scene, s.descriptive + f" a small red plain {other} is at the top left .")
    assert scores.summary()["hallucination_rate"] == 0.5
    empty = CaptionScores("descriptive")
    empty.add(s.scene, "a picture with a white background .")
    assert empty.summary()["colour_accuracy"] == 0.0
