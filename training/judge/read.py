"""Read a scene graph back from an image: segment, then name each object's attributes.

Method (no model, no access to the generator's scene graph):
1. background = median border colour; foreground = pixels > 45 RGB units away from it;
2. objects = 4-connected foreground components of >= 20 px;
3. texture ink = the dark ink on light backgrounds, the light ink on dark ones; an object's
   colour is the nearest named colour to the median of its non-ink pixels;
4. texture from the ink pattern: < 5 % ink is plain; ink rows that are all-ink or no-ink
   (low row impurity) are stripes; otherwise sparse ink (< 36 %) is dots, dense is a checkerboard;
5. shape = nearest prototype in a 6-d geometric feature space (aspect, extent, solidity,
   centroid drop, top/bottom width); prototypes are the mean features measured on
   ground-truth renders (values below), the scales are roughly their spread;
6. size from the longer bounding-box side (every shape spans 2r on its longer side):
   < 22 px small, < 32 px medium, else large (diameters are ~19 / 27 / 37 px);
7. position = the 3x3 grid cell containing the centroid.
"""

from dataclasses import dataclass

import numpy as np

from ..world import vocab
from .features import shape_features
from .segment import background_colour, connected_components, foreground_mask

# Mean (aspect, extent, solidity, drop, top, bottom) of each shape over ground-truth renders.
SHAPE_PROTOTYPES: dict[str, tuple[float, ...]] = {
    "circle": (1.00, 0.787, 0.955, 0.0, 0.537, 0.525),
    "square": (1.00, 1.0, 1.0, 0.0, 1.0, 1.0),
    "triangle": (1.00, 0.518, 0.934, 0.160, 0.109, 0.929),
    "star": (0.949, 0.419, 0.589, 0.050, 0.097, 0.294),
    "heart": (0.967, 0.731, 0.937, -0.071, 0.745, 0.253),
    "hexagon": (0.877, 0.760, 0.945, 0.0, 0.600, 0.599),
    "diamond": (1.00, 0.518, 0.933, 0.0, 0.198, 0.196),
    "cross": (1.00, 0.555, 0.713, 0.0, 0.331, 0.331),
}
_FEATURE_NAMES = ("aspect", "extent", "solidity", "drop", "top", "bottom")
_FEATURE_SCALES = np.array((0.04, 0.03, 0.03, 0.02, 0.08, 0.08))
INK_DISTANCE = 60.0
SMALL_MAX_PX, MEDIUM_MAX_PX = 22, 32


@dataclass
class ReadObject:
    shape: str
    colour: str
    size: str
    texture: str
    row: int
    col: int
    pixels: int


@dataclass
class ReadScene:
    background: str
    objects: list[ReadObject]


def _nearest(palette: dict[str, tuple[int, int, int]], rgb: np.ndarray) -> str:
    names = list(palette)
    dists = [float(np.sum((np.array(palette[n], dtype=np.float32) - rgb) ** 2)) for n in names]
    return names[int(np.argmin(dists))]


def classify_shape(features: dict[str, float]) -> str:
    f = np.array([features[k] for k in _FEATURE_NAMES])
    names = list(SHAPE_PROTOTYPES)
    d = [float((((f - np.array(SHAPE_PROTOTYPES[n])) / _FEATURE_SCALES) ** 2).sum()) for n in names]
    return names[int(np.argmin(d))]


def classify_texture(mask: np.ndarray, ink: np.ndarray) -> str:
    inside = ink & mask
    fraction = inside.sum() / max(mask.sum(), 1)
    if fraction < 0.05:
        return "plain"
    row_pixels = mask.sum(1)
    rows = row_pixels > 0
    row_fraction = inside.sum(1)[rows] / row_pixels[rows]
    impurity = float(np.minimum(row_fraction, 1 - row_fraction).mean())
    if impurity < 0.12:
        return "striped"
    return "dotted" if fraction < 0.36 else "checkered"


def classify_size(longest_side_px: float) -> str:
    if longest_side_px < SMALL_MAX_PX:
        return "small"
    return "medium" if longest_side_px < MEDIUM_MAX_PX else "large"


def read_scene(image: np.ndarray) -> ReadScene:
    height, width = image.shape[:2]
    bg = background_colour(image)
    bg_name = _nearest(vocab.BACKGROUNDS, bg)
    luminance = float(bg @ np.array([0.299, 0.587, 0.114]))
    ink_rgb = np.array(vocab.DARK_INK if luminance > 128 else vocab.LIGHT_INK, dtype=np.float32)
    pixels = image.astype(np.float32)
    ink = np.sqrt(((pixels - ink_rgb) ** 2).sum(-1)) < INK_DISTANCE
    objects = []
    for comp in connected_components(foreground_mask(image, bg)):
        feats = shape_features(comp)
        body = comp & ~ink
        colour_px = pixels[body] if body.any() else pixels[comp]
        objects.append(
            ReadObject(
                shape=classify_shape(feats),
                colour=_nearest(vocab.COLOURS, np.median(colour_px, axis=0)),
                size=classify_size(feats["extent_px"]),
                texture=classify_texture(comp, ink),
                row=min(int(feats["cy"] // (height / 3)), 2),
                col=min(int(feats["cx"] // (width / 3)), 2),
                pixels=int(comp.sum()),
            )
        )
    objects.sort(key=lambda o: (o.row, o.col))
    return ReadScene(background=bg_name, objects=objects)
