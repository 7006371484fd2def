"""Geometric and texture features of one segmented object."""

import numpy as np


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull_area(points: np.ndarray) -> float:
    """Andrew's monotone chain on unique points, shoelace area."""
    pts = sorted(set(map(tuple, points.tolist())))
    if len(pts) < 3:
        return 0.0
    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = np.array(lower[:-1] + upper[:-1], dtype=np.float64)
    x, y = hull[:, 0], hull[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _boundary_corners(crop: np.ndarray) -> np.ndarray:
    """Corners of boundary pixels: the hull of pixel squares, so a full square has solidity 1."""
    padded = np.pad(crop, 1)
    interior = padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    ys, xs = np.nonzero(crop & ~interior)
    return np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)])


def shape_features(mask: np.ndarray) -> dict[str, float]:
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = mask[y0:y1, x0:x1]
    h, w = crop.shape
    area = float(crop.sum())
    hull = convex_hull_area(_boundary_corners(crop))
    rows = crop.sum(1)
    top = rows[: max(h // 5, 1)].mean() / w
    bottom = rows[-max(h // 5, 1):].mean() / w
    return {
        "aspect": h / w,
        "extent": area / (h * w),
        "solidity": area / hull if hull else 1.0,
        # Centroid below (+) or above (-) the box centre, as a fraction of the height.
        "drop": ((ys - y0 + 0.5).mean() - h / 2) / h,
        # Width of the top and bottom fifths: a triangle is narrow on top, a heart at the bottom.
        "top": top,
        "bottom": bottom,
        "extent_px": float(max(h, w)),
        "cx": float(xs.mean() + 0.5),
        "cy": float(ys.mean() + 0.5),
    }
