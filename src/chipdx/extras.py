"""Optional dependencies, imported only by the feature that needs them.

The core (read, analyse, interpret, HTML report, CLI) installs and runs without any extra;
PDF reports (``pdf``), the SiLA 2 server (``sila``), the lab service (``service``), the LIS
builders (``lis``) and batch on Dask (``batch``) import their libraries through
:func:`require`, so a missing extra is one line naming the pip extra, never a traceback, and
``chipdx --help`` stays fast.

>>> require("json", extra="core", feature="JSON").__name__
'json'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from chipdx.errors import MissingExtraError

__all__ = ["EXTRAS", "require"]

#: The pip extras and the top-level modules each one brings.
EXTRAS: dict[str, tuple[str, ...]] = {
    "pdf": ("weasyprint",),
    "sila": ("sila2",),
    "service": ("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "multipart", "itsdangerous",
                "swagger_ui_bundle"),
    "lis": ("hl7apy", "fhir"),
    "batch": ("dask", "distributed", "pyarrow"),
}


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``; :class:`~chipdx.errors.MissingExtraError` when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(feature, extra, module.partition(".")[0]) from None
