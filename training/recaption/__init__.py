"""Recaptioning: synthetic captions for an unlabelled set, and caption blends for training."""
