/**
 * A small held-out suite for the evaluation's tests, in tiny-limner's 71-word vocabulary: one
 * item of five of the suite's categories, each stating what training/image/suite.py would.
 */
import type { SuiteItem } from "@limner/contracts/eval";

const twoObjects = {
  objects: [
    { shape: "star", colour: "red" },
    { shape: "circle", colour: "blue" },
  ],
  shapeCounts: {},
  relations: [],
} satisfies SuiteItem["expected_short"];

const caption = {
  objects: [
    { shape: "star", colour: "red", texture: "striped", size: "large", row: 0, column: 0 },
    { shape: "circle", colour: "blue", texture: "dotted", size: "small", row: 2, column: 2 },
  ],
  background: "black",
  count: 2,
  shapeCounts: {},
  relations: [
    {
      a: { colour: "red", shape: "star" },
      relation: "above",
      b: { colour: "blue", shape: "circle" },
    },
  ],
} satisfies SuiteItem["expected_descriptive"];
const DESCRIPTIVE =
  "a large red striped star is at the top left on a black background . a small blue dotted circle is at the bottom right . the red star is above the blue circle .";

export const SUITE_ITEMS: SuiteItem[] = [
  {
    id: "colour-000",
    category: "colour",
    bucket: "landscape",
    seed: 7,
    short: "a red star and a blue circle",
    descriptive: DESCRIPTIVE,
    expected_short: twoObjects,
    expected_descriptive: caption,
  },
  {
    id: "counting-000",
    category: "counting",
    bucket: "portrait",
    seed: 8,
    short: "two red stars and a blue circle",
    descriptive:
      "a red star is at the top left . a red star is at the top right . a blue circle is in the middle . there are two stars .",
    expected_short: {
      objects: [
        { shape: "star", colour: "red" },
        { shape: "star", colour: "red" },
        { shape: "circle", colour: "blue" },
      ],
      count: 3,
      shapeCounts: { star: 2, circle: 1 },
      relations: [],
    },
    expected_descriptive: {
      objects: [
        { shape: "star", colour: "red", row: 0, column: 0 },
        { shape: "star", colour: "red", row: 0, column: 2 },
        { shape: "circle", colour: "blue", row: 1, column: 1 },
      ],
      count: 3,
      shapeCounts: { star: 2 },
      relations: [],
    },
  },
  {
    id: "background-000",
    category: "background",
    bucket: "square",
    seed: 9,
    short: "a red star and a blue circle on a black background",
    descriptive: DESCRIPTIVE,
    expected_short: { ...twoObjects, background: "black" },
    expected_descriptive: caption,
  },
  {
    id: "size-000",
    category: "size",
    bucket: "square",
    seed: 10,
    short: "a large red star and a small blue circle",
    descriptive: DESCRIPTIVE,
    expected_short: {
      ...twoObjects,
      objects: [
        { shape: "star", colour: "red", size: "large" },
        { shape: "circle", colour: "blue", size: "small" },
      ],
    },
    expected_descriptive: caption,
  },
  {
    id: "single-000",
    category: "single",
    bucket: "landscape",
    seed: 11,
    short: "a red star",
    descriptive: "a large red striped star is in the middle on a white background .",
    expected_short: { objects: [{ shape: "star", colour: "red" }], shapeCounts: {}, relations: [] },
    expected_descriptive: {
      objects: [
        { shape: "star", colour: "red", texture: "striped", size: "large", row: 1, column: 1 },
      ],
      background: "white",
      count: 1,
      shapeCounts: {},
      relations: [],
    },
  },
];
