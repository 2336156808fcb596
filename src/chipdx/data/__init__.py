"""Data files shipped with chipdx: the example run of ``chipdx demo`` (made by the project, MIT)."""

__all__: list[str] = []
