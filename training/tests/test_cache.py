"""The sharded latent + caption cache: complete, resumable without redoing shards, consistent."""

import torch

from training.image.cache import load_cache, main, shard_path


def test_quick_cache_covers_every_image_once_and_resumes_only_missing_shards(tmp_path):
    summary = main(["--quick", "--out", str(tmp_path), "--threads", "1"])
    assert summary["shards"] == 3 and summary["count"] == 6
    rows, latents, positions = load_cache(tmp_path)
    assert [r["index"] for r in rows] == list(range(6))
    assert sum(len(p) for p in positions.values()) == 6
    for bucket, z in latents.items():
        assert z.shape[0] == len(positions[bucket])
        assert {rows[int(p)]["bucket"] for p in positions[bucket]} == {bucket}
        assert z.shape[1:] == (4, *(side // 8 for side in {"square": (128, 128), "landscape": (128, 224),
                                                             "portrait": (224, 128)}[bucket]))
    assert all(r["short_caption"] is not None and "descriptive_caption" in r for r in rows)

    kept = {k: shard_path(tmp_path, k).stat().st_mtime_ns for k in (0, 2)}
    shard_path(tmp_path, 1).unlink()  # as if the build was killed while writing shard 1
    main(["--quick", "--out", str(tmp_path), "--threads", "1"])
    assert {k: shard_path(tmp_path, k).stat().st_mtime_ns for k in (0, 2)} == kept  # not redone
    again, latents_again, _ = load_cache(tmp_path)
    assert again == rows
    for bucket in latents:
        assert torch.equal(latents_again[bucket], latents[bucket])  # deterministic rebuild
    assert not list(tmp_path.glob("*.tmp"))
