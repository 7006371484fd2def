"""Text-to-image side of Limner-mini: user-like prompts and the learned prompt upsampler."""
