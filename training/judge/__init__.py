"""Judge: reads a scene graph back from a render with classical image analysis, and scores
(prompt, image) pairs T2I-CompBench-style. It imports nothing from the renderer."""
