"""CoCa-style captioner: conv image encoder, text tower, cross-attending text decoder."""
