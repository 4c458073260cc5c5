"""Held-out documents: an independent maker of batches with ground truth (see ``__main__``)."""
