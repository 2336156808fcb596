"""DLOC-Sim v1: the simulated digital lab-on-a-chip (chip, protocols, scheduler, chemistry, optics).

Layer ``sim``: imports only :mod:`chipdx.model`, :mod:`chipdx.errors` and itself. Every
simulator returns the same model objects as the readers, flagged
``Provenance(simulated=True)``, plus ground truth. Randomness comes only from an ``rng``
argument (``numpy.random.default_rng(seed)``): the same seed gives the same outputs.
"""
