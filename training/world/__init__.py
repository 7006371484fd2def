"""The procedurally generated "shapes world": scene graphs, renders and their three texts."""
