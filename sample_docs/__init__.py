"""Realistic sample documents with ground truth (issue 3) and the small committed batch.

``python -m sample_docs.generate`` writes a batch in the contract's input layout plus
``truth.json``; ``python -m sample_docs.make_samples`` rebuilds ``sample_docs/batch/``.
Language-specific wording lives in ``labels/<lang>.yaml`` and layouts in ``templates/``,
so a language is added as data, not code.
"""
