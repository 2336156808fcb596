"""chipdx: open sample-to-answer software for a digital lab-on-a-chip molecular diagnostic.

Layers (SPEC §6): ``model`` <- ``io``, ``sim`` <- ``analysis`` <- ``interpret`` <-
``report`` <- ``cli``. Read a run and look at its data:

>>> import chipdx
>>> chipdx.__version__ == chipdx._version.__version__
True
"""

from chipdx._version import __version__

__all__ = ["__version__"]
