"""Closed vocabulary of the shapes world.

Everything the generator can say, the renderer can draw and the judge can read back is
listed here once, so captions, tokenizer and judge agree by construction.
"""

# Object colours: ten hues whose pairwise RGB distance is >= 95, so a nearest-colour
# read-out of a hard-edged render is unambiguous.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (245, 130, 0),
    "yellow": (245, 225, 40),
    "green": (30, 160, 50),
    "cyan": (30, 200, 210),
    "blue": (30, 70, 220),
    "purple": (130, 40, 180),
    "pink": (245, 120, 190),
    "brown": (130, 75, 30),
    "gray": (128, 128, 128),
}

# Backgrounds are disjoint from object colours (>= 90 away from every one of them) so
# segmentation by distance from the background never eats an object.
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (250, 250, 250),
    "cream": (235, 225, 200),
    "silver": (200, 200, 200),
    "black": (15, 15, 15),
    "navy": (20, 25, 70),
}

# Texture marks use one ink per background brightness: dark ink on light backgrounds,
# light ink on dark ones, so marks never blend into the background.
DARK_INK = (25, 25, 25)
LIGHT_INK = (245, 245, 245)
LIGHT_BACKGROUNDS = ("white", "cream", "silver")

SHAPES = ("circle", "square", "triangle", "star", "heart", "hexagon", "diamond", "cross")
SHAPE_PLURALS = {s: ("crosses" if s == "cross" else s + "s") for s in SHAPES}

# Radius as a fraction of the smaller side of a grid cell; the 3x3 grid at every bucket
# has cells at least 42 px on the short side, so a large object (0.44) still fits.
SIZES: dict[str, float] = {"small": 0.22, "medium": 0.32, "large": 0.44}
TEXTURES = ("plain", "striped", "dotted", "checkered")
ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")

# DALL-E 3's 1024x1024, 1792x1024 and 1024x1792 at 1/8 scale.
BUCKETS: dict[str, tuple[int, int]] = {
    "square": (128, 128),
    "landscape": (224, 128),
    "portrait": (128, 224),
}

NUMBER_WORDS = ("zero", "one", "two", "three", "four")


def ink_for(background: str) -> tuple[int, int, int]:
    return DARK_INK if background in LIGHT_BACKGROUNDS else LIGHT_INK
