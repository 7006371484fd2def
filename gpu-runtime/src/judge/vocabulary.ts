/**
 * The shapes world's closed vocabulary, as the judge reads it back: the words and palettes of
 * `training/world/vocab.py`, which stays the source of truth (the judge tests
 * render scenes with it, so a drift shows up as failing accuracy).
 *
 * @module
 */

export type Rgb = readonly [r: number, g: number, b: number];

/** Object colours; pairwise ≥ 95 RGB units apart, so the nearest named colour is unambiguous. */
export const COLOURS = {
  red: [220, 30, 30],
  orange: [245, 130, 0],
  yellow: [245, 225, 40],
  green: [30, 160, 50],
  cyan: [30, 200, 210],
  blue: [30, 70, 220],
  purple: [130, 40, 180],
  pink: [245, 120, 190],
  brown: [130, 75, 30],
  gray: [128, 128, 128],
} as const satisfies Record<string, Rgb>;
export type Colour = keyof typeof COLOURS;

/** Backgrounds; ≥ 90 RGB units from every object colour, so segmentation never eats an object. */
export const BACKGROUNDS = {
  white: [250, 250, 250],
  cream: [235, 225, 200],
  silver: [200, 200, 200],
  black: [15, 15, 15],
  navy: [20, 25, 70],
} as const satisfies Record<string, Rgb>;
export type Background = keyof typeof BACKGROUNDS;

/** Texture ink: dark on light backgrounds, light on dark ones. */
export const DARK_INK: Rgb = [25, 25, 25];
export const LIGHT_INK: Rgb = [245, 245, 245];

export const SHAPES = [
  "circle",
  "square",
  "triangle",
  "star",
  "heart",
  "hexagon",
  "diamond",
  "cross",
] as const;
export type Shape = (typeof SHAPES)[number];
export const SHAPE_PLURALS: Readonly<Record<Shape, string>> = {
  circle: "circles",
  square: "squares",
  triangle: "triangles",
  star: "stars",
  heart: "hearts",
  hexagon: "hexagons",
  diamond: "diamonds",
  cross: "crosses",
};

export const SIZES = ["small", "medium", "large"] as const;
export type Size = (typeof SIZES)[number];
export const TEXTURES = ["plain", "striped", "dotted", "checkered"] as const;
export type Texture = (typeof TEXTURES)[number];
export const ROWS = ["top", "middle", "bottom"] as const;
export type Row = (typeof ROWS)[number];
export const COLUMNS = ["left", "centre", "right"] as const;
export type Column = (typeof COLUMNS)[number];
export const NUMBER_WORDS = ["zero", "one", "two", "three", "four"] as const;
/** The adjectives the world's captions use for each texture (`texts.py`, `_TEX_ADJ`). */
export const TEXTURE_ADJECTIVES: Readonly<Record<Texture, readonly string[]>> = {
  plain: ["plain", "solid"],
  striped: ["striped"],
  dotted: ["dotted", "spotted"],
  checkered: ["checkered"],
};

/** Typed membership test for the word lists above. */
export function isOneOf<const T extends string>(list: readonly T[], word: string): word is T {
  return (list as readonly string[]).includes(word);
}

export function isColour(word: string): word is Colour {
  return Object.hasOwn(COLOURS, word);
}

export function isBackground(word: string): word is Background {
  return Object.hasOwn(BACKGROUNDS, word);
}
