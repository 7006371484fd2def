"""Limner-mini data loop: shapes world, CoCa-style captioner, recaptioning, judge, ONNX export.

Run everything with ``/usr/bin/python3 -m training.data``.
"""
