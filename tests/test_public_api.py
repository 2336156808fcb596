"""Every public module keeps ``__all__`` complete and importable."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import chipdx

PUBLIC = sorted(
    m.name for m in pkgutil.walk_packages(chipdx.__path__, "chipdx.")
    if not any(part.startswith("_") for part in m.name.split(".")[1:])
)


@pytest.mark.parametrize("name", PUBLIC)
def test_all_lists_every_public_definition(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which does not exist"
    defined_here = {
        key for key, value in vars(module).items()
        if not key.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "") == name
    }
    missing = defined_here - set(exported)
    assert not missing, f"{name} defines {sorted(missing)} but leaves them out of __all__"
