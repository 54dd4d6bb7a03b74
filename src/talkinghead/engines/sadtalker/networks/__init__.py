"""Our PyTorch implementation of the SadTalker inference networks.

Every module keeps the attribute names of the published checkpoints, so that their
state dicts load by the original parameter names; the code itself is written from
the architecture, not copied. Each module's forward works on batches and is free of
randomness: callers pass the noise (the pose net's latent) in.
"""
