/**
 * Naming one object's attributes from its pixels and features (steps 3–6 of the judge, as
 * `training/judge/read.py`). Every threshold comes from the world's construction; see the
 * comments for where each number comes from.
 *
 * @module
 */
import type { ShapeFeatures } from "./features";
import type { Rgb, Shape, Size, Texture } from "./vocabulary";

/**
 * Mean (aspect, extent, solidity, drop, top, bottom) of each shape over ground-truth renders
 * (the Python judge's prototypes).
 */
export const SHAPE_PROTOTYPES: Readonly<Record<Shape, readonly number[]>> = {
  circle: [1.0, 0.787, 0.955, 0.0, 0.537, 0.525],
  square: [1.0, 1.0, 1.0, 0.0, 1.0, 1.0],
  triangle: [1.0, 0.518, 0.934, 0.16, 0.109, 0.929],
  star: [0.949, 0.419, 0.589, 0.05, 0.097, 0.294],
  heart: [0.967, 0.731, 0.937, -0.071, 0.745, 0.253],
  hexagon: [0.877, 0.76, 0.945, 0.0, 0.6, 0.599],
  diamond: [1.0, 0.518, 0.933, 0.0, 0.198, 0.196],
  cross: [1.0, 0.555, 0.713, 0.0, 0.331, 0.331],
};
/** Roughly each feature's spread across renders of one shape. */
const FEATURE_SCALES = [0.04, 0.03, 0.03, 0.02, 0.08, 0.08] as const;

/** Pixels this close to the texture ink are marks, not body colour. */
export const INK_DISTANCE = 60;
/** Below this fraction of ink an object is plain. */
const PLAIN_MAX_INK = 0.05;
/** Stripes fill whole rows: mean per-row min(ink, 1 − ink) stays below this. */
const STRIPED_MAX_IMPURITY = 0.12;
/** Dots cover ~22 % of an object, a checkerboard ~50 %. */
const DOTTED_MAX_INK = 0.36;

/**
 * Size thresholds on the longer bounding-box side, as a fraction of the short side of a grid
 * cell. Radii are 0.22 / 0.32 / 0.44 of that side, so diameters are 0.44 / 0.64 / 0.88 of it;
 * the cut points are the Python judge's 22 and 32 px at the world's 128-px short side
 * (cells 128/3 px), which makes the read-out independent of an upscaled output size.
 */
const SMALL_MAX = 22 / (128 / 3);
const MEDIUM_MAX = 32 / (128 / 3);

/** The name whose colour is nearest (squared RGB distance) to `rgb`; the first on ties. */
export function nearestName<K extends string>(palette: Readonly<Record<K, Rgb>>, rgb: Rgb): K {
  let best: K | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [name, colour] of Object.entries(palette) as [K, Rgb][]) {
    const d = (colour[0] - rgb[0]) ** 2 + (colour[1] - rgb[1]) ** 2 + (colour[2] - rgb[2]) ** 2;
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best === undefined) throw new Error("empty palette");
  return best;
}

/** Nearest prototype in the scaled 6-d feature space. */
export function classifyShape(f: ShapeFeatures): Shape {
  const values = [f.aspect, f.extent, f.solidity, f.drop, f.top, f.bottom];
  let best: Shape = "circle";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [shape, prototype] of Object.entries(SHAPE_PROTOTYPES) as [Shape, number[]][]) {
    let d = 0;
    values.forEach((v, i) => {
      d += ((v - (prototype[i] ?? 0)) / (FEATURE_SCALES[i] ?? 1)) ** 2;
    });
    if (d < bestDistance) {
      best = shape;
      bestDistance = d;
    }
  }
  return best;
}

/** Per-row pixel and ink counts of one object, rows with no object pixels omitted. */
export interface InkRows {
  readonly pixels: readonly number[];
  readonly ink: readonly number[];
}

/**
 * Plain below 5 % ink; stripes when rows are nearly all-ink or no-ink (low impurity);
 * otherwise sparse ink is dots and dense ink a checkerboard.
 */
export function classifyTexture({ pixels, ink }: InkRows): Texture {
  let total = 0;
  let inked = 0;
  let impurity = 0;
  pixels.forEach((count, row) => {
    const marks = ink[row] ?? 0;
    total += count;
    inked += marks;
    const fraction = marks / count;
    impurity += Math.min(fraction, 1 - fraction);
  });
  if (inked / Math.max(total, 1) < PLAIN_MAX_INK) return "plain";
  if (impurity / Math.max(pixels.length, 1) < STRIPED_MAX_IMPURITY) return "striped";
  return inked / total < DOTTED_MAX_INK ? "dotted" : "checkered";
}

/** From the longer bounding-box side and the short side of a grid cell, both in pixels. */
export function classifySize(longestSidePx: number, cellShortSidePx: number): Size {
  const relative = longestSidePx / cellShortSidePx;
  if (relative < SMALL_MAX) return "small";
  return relative < MEDIUM_MAX ? "medium" : "large";
}
