"""Vectorised numpy rasteriser for scenes: hard-edged shapes with texture marks.

Every shape spans exactly 2r along its longer side, so apparent size is comparable across
shapes. No anti-aliasing: renders are bit-exact for a given scene on any machine.
"""

import math

import numpy as np

from . import vocab
from .scene import Scene, SceneObject


def _polygon_mask(u: np.ndarray, v: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Even-odd rule point-in-polygon, vectorised over the grid."""
    inside = np.zeros(u.shape, dtype=bool)
    n = len(pts)
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        crosses = (y1 > v) != (y2 > v)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (v - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (u < x_at)
    return inside


def _fit_to_unit_box(pts: np.ndarray) -> np.ndarray:
    """Centre a vertex list on its bounding box and scale its longer side to 2."""
    lo, hi = pts.min(0), pts.max(0)
    return (pts - (lo + hi) / 2) * (2 / (hi - lo).max())


def _star_points() -> np.ndarray:
    # Five-pointed star pointing up; inner radius 0.45 keeps the arms thick enough to
    # survive small renders (a small star is ~19 px across).
    angles = [-math.pi / 2 + k * math.pi / 5 for k in range(10)]
    radii = [1.0 if k % 2 == 0 else 0.45 for k in range(10)]
    return _fit_to_unit_box(np.array([(r * math.cos(a), r * math.sin(a)) for a, r in zip(angles, radii)]))


_STAR = _star_points()
# Classic implicit heart (x^2+y^2-1)^3 - x^2 y^3 <= 0 spans x in [-1.139, 1.139] and
# y in [-1, 1.236] (y up); these constants map it onto the [-1, 1] box.
_HEART_HALF_W = 1.139
_HEART_Y_MID = 0.118
_HEART_HALF_H = 1.118


def shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of a unit shape in normalised coordinates (u right, v down, both in [-1, 1])."""
    au, av = np.abs(u), np.abs(v)
    if shape == "circle":
        return u * u + v * v <= 1
    if shape == "square":
        return (au <= 1) & (av <= 1)
    if shape == "diamond":
        return au + av <= 1
    if shape == "triangle":
        return (v >= -1) & (v <= 1) & (au <= (v + 1) / 2)
    if shape == "hexagon":
        s3 = math.sqrt(3)
        return (av <= s3 / 2) & (s3 * au + av <= s3)
    if shape == "cross":
        return ((au <= 1 / 3) & (av <= 1)) | ((av <= 1 / 3) & (au <= 1))
    if shape == "star":
        return _polygon_mask(u, v, _STAR)
    if shape == "heart":
        scale = max(_HEART_HALF_W, _HEART_HALF_H)
        x = u * scale
        y = -v * scale + _HEART_Y_MID
        return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0
    raise ValueError(f"unknown shape {shape}")


def texture_mask(texture: str, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Where the ink goes, in integer pixel offsets from the object's bounding-box corner."""
    if texture == "plain":
        return np.zeros(dx.shape, dtype=bool)
    if texture == "striped":
        return (dy // 3) % 2 == 1
    if texture == "dotted":
        return ((dx % 6) - 3) ** 2 + ((dy % 6) - 3) ** 2 <= 2
    if texture == "checkered":
        return ((dx // 4) + (dy // 4)) % 2 == 1
    raise ValueError(f"unknown texture {texture}")


def object_geometry(obj: SceneObject, jitter: tuple[float, float], width: int, height: int) -> tuple[float, float, float]:
    """Centre (x, y) and radius in pixels of an object on the 3x3 grid."""
    cell_w, cell_h = width / 3, height / 3
    radius = vocab.SIZES[obj.size] * min(cell_w, cell_h)
    margin_x = max(cell_w / 2 - radius - 1, 0)
    margin_y = max(cell_h / 2 - radius - 1, 0)
    cx = (obj.col + 0.5) * cell_w + jitter[0] * margin_x
    cy = (obj.row + 0.5) * cell_h + jitter[1] * margin_y
    return cx, cy, radius


def render(scene: Scene) -> np.ndarray:
    """Render a scene to an HxWx3 uint8 array."""
    width, height = vocab.BUCKETS[scene.bucket]
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = vocab.BACKGROUNDS[scene.background]
    ink = np.array(vocab.ink_for(scene.background), dtype=np.uint8)
    for obj, jit in zip(scene.objects, scene.jitter):
        cx, cy, r = object_geometry(obj, jit, width, height)
        x0, x1 = max(int(math.floor(cx - r)) - 1, 0), min(int(math.ceil(cx + r)) + 2, width)
        y0, y1 = max(int(math.floor(cy - r)) - 1, 0), min(int(math.ceil(cy + r)) + 2, height)
        ys, xs = np.mgrid[y0:y1, x0:x1]
        # Sample at pixel centres.
        u = (xs + 0.5 - cx) / r
        v = (ys + 0.5 - cy) / r
        mask = shape_mask(obj.shape, u, v)
        marks = texture_mask(obj.texture, xs - int(math.floor(cx - r)), ys - int(math.floor(cy - r)))
        patch = image[y0:y1, x0:x1]
        patch[mask] = vocab.COLOURS[obj.colour]
        patch[mask & marks] = ink
    return image
