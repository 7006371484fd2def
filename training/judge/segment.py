"""Foreground segmentation and connected components, in plain numpy."""

import numpy as np

# Background and object palettes are >= 90 apart (see world.vocab); half of that
# separates them robustly while tolerating mild noise in generated images.
FOREGROUND_DISTANCE = 45.0
MIN_COMPONENT_PIXELS = 20


def background_colour(image: np.ndarray) -> np.ndarray:
    """Median colour of the border: objects never cover the whole border."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(np.float32)
    return np.median(border, axis=0)


def foreground_mask(image: np.ndarray, background: np.ndarray) -> np.ndarray:
    diff = image.astype(np.float32) - background
    return np.sqrt((diff * diff).sum(-1)) > FOREGROUND_DISTANCE


def connected_components(mask: np.ndarray) -> list[np.ndarray]:
    """4-connected components by min-label propagation (vectorised; converges in about one
    object diameter of iterations). Returns one boolean mask per component, small specks dropped."""
    h, w = mask.shape
    big = h * w + 1
    labels = np.where(mask, np.arange(h * w).reshape(h, w), big)
    while True:
        prev = labels
        padded = np.pad(labels, 1, constant_values=big)
        neighbours = np.minimum.reduce(
            [padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
        )
        labels = np.where(mask, neighbours, big)
        if np.array_equal(labels, prev):
            break
    comps = []
    for lab in np.unique(labels[mask]):
        comp = labels == lab
        if comp.sum() >= MIN_COMPONENT_PIXELS:
            comps.append(comp)
    return comps
