/**
 * The judge: reads a scene graph back from an image with classical image analysis. It is
 * independent of the generator (it never sees a scene graph, only pixels) and is a port of
 * `training/judge/read.py`, the same method step by step:
 * 1. background = median border colour; foreground = pixels > 45 RGB units away from it;
 * 2. objects = 4-connected foreground components of ≥ 20 px (scaled with the image area);
 * 3. texture ink = the dark ink on light backgrounds (luminance > 128), the light ink on dark
 *    ones; an object's colour is the named colour nearest the median of its non-ink pixels
 *    (those > 60 RGB units from the ink);
 * 4. texture from the ink pattern (see `classifyTexture`), a mark being a pixel nearer the ink
 *    than the object's colour (identical to the 60-unit test on hard-edged renders, and robust
 *    to the blended edges of outputs the runtime upscaled);
 * 5. shape = nearest prototype in a 6-d geometric feature space (see `classifyShape`);
 * 6. size from the longer bounding-box side relative to the grid cell (see `classifySize`);
 * 7. position = the 3×3 grid cell containing the centroid.
 *
 * @example
 * ```ts
 * const graph = readScene(await decodeRgb(await checkImage(b64, limits), maxPixels));
 * graph.objects[0]; // { shape: "star", colour: "red", size: "small", texture: "dotted", position: { column: "left", row: "top" } }
 * ```
 *
 * @module
 */
import type { SceneGraph, SceneGraphObject } from "@limner/contracts";
import {
  classifyShape,
  classifySize,
  classifyTexture,
  INK_DISTANCE,
  nearestName,
} from "./classify";
import { shapeFeatures } from "./features";
import type { RgbImage } from "./rgb-image";
import {
  backgroundColour,
  connectedComponents,
  distanceSquared,
  foregroundMask,
  MIN_COMPONENT_PIXELS,
  medianColour,
} from "./segment";
import { BACKGROUNDS, COLOURS, COLUMNS, DARK_INK, LIGHT_INK, ROWS } from "./vocabulary";

/** The world's native short side; pixel thresholds are stated at this size. */
const NATIVE_SHORT_SIDE = 128;

function gridIndex(centre: number, extent: number): 0 | 1 | 2 {
  return Math.min(Math.floor(centre / (extent / 3)), 2) as 0 | 1 | 2;
}

export function readScene(image: RgbImage): SceneGraph {
  const { width, height } = image;
  const background = backgroundColour(image);
  const luminance = background[0] * 0.299 + background[1] * 0.587 + background[2] * 0.114;
  const ink = luminance > 128 ? DARK_INK : LIGHT_INK;
  const inkLimit = INK_DISTANCE * INK_DISTANCE;
  const shortSide = Math.min(width, height);
  const minPixels = Math.max(
    1,
    Math.round(MIN_COMPONENT_PIXELS * (shortSide / NATIVE_SHORT_SIDE) ** 2),
  );
  const components = connectedComponents(
    foregroundMask(image, background),
    width,
    height,
    minPixels,
  );
  const read = components.map((component) => {
    const features = shapeFeatures(component, width);
    // Pass 1 (the Python judge's): pixels within INK_DISTANCE of the ink are marks; the
    // object's colour is the median of the rest.
    const body = component.pixels.filter((p) => distanceSquared(image, p, ink) >= inkLimit);
    // An all-ink object (rare) still gets a colour: the median of all its pixels.
    const bodyRgb = medianColour(image, body.length ? body : component.pixels);
    // Pass 2: for the texture, a pixel is a mark when it is nearer the ink than the body
    // colour. On hard-edged renders this is the same split as pass 1; on upscaled outputs
    // (lanczos-blended edges) it keeps the ink share of a checkerboard near its true 50 %.
    const rowPixels = new Map<number, number>();
    const rowInk = new Map<number, number>();
    for (const p of component.pixels) {
      const y = Math.floor(p / width);
      rowPixels.set(y, (rowPixels.get(y) ?? 0) + 1);
      if (distanceSquared(image, p, ink) < distanceSquared(image, p, bodyRgb)) {
        rowInk.set(y, (rowInk.get(y) ?? 0) + 1);
      }
    }
    const rows = [...rowPixels.keys()].sort((a, b) => a - b);
    const row = gridIndex(features.cy, height);
    const column = gridIndex(features.cx, width);
    const object: SceneGraphObject = {
      shape: classifyShape(features),
      colour: nearestName(COLOURS, bodyRgb),
      size: classifySize(features.extentPx, shortSide / 3),
      texture: classifyTexture({
        pixels: rows.map((y) => rowPixels.get(y) ?? 0),
        ink: rows.map((y) => rowInk.get(y) ?? 0),
      }),
      position: { column: COLUMNS[column], row: ROWS[row] },
    };
    return { object, row, column };
  });
  // Reading order; the sort is stable, so objects sharing a cell keep segmentation order.
  read.sort((a, b) => a.row - b.row || a.column - b.column);
  return {
    background: nearestName(BACKGROUNDS, background),
    objects: read.map((r) => r.object),
  };
}
