"""The learned prompt upsampler (short user prompt -> descriptive caption): model, training
pairs, training, decoding, fidelity, ONNX export, and the command that rebuilds it
(`/usr/bin/python3 -m training.upsampler`)."""

from .decode import upsample_greedy
from .export import export_upsampler, manifest_entry
from .fidelity import contradicts, faithful, heldout_prompts, score_rewrites, self_consistent
from .model import (BOS_ID, EOS_ID, PAD_ID, UPSAMPLER_MAX_INPUT, UPSAMPLER_MAX_LENGTH, WIDTH, Upsampler)
from .pairs import frame, training_batch, training_pair
from .train import train_upsampler

__all__ = ["BOS_ID", "EOS_ID", "PAD_ID", "UPSAMPLER_MAX_INPUT", "UPSAMPLER_MAX_LENGTH", "WIDTH", "Upsampler",
           "contradicts", "export_upsampler", "faithful", "frame", "heldout_prompts", "manifest_entry",
           "score_rewrites", "self_consistent", "train_upsampler", "training_batch", "training_pair",
           "upsample_greedy"]
