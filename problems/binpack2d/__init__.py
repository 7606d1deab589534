"""2D bin packing (binpack2d)."""
