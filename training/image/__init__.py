"""Text-to-image side of limner-mini: VAE, denoiser, consistency decoder, user-like prompts, evaluation."""
