"""QC flag codes are stable, unique and documented."""

from __future__ import annotations

import numpy as np

from chipdx.analysis.qpcr import FLAG_DESCRIPTIONS, QcFlag, decode


def test_codes_and_bits_are_unique_and_documented() -> None:
    assert len({f.code for f in QcFlag}) == len(QcFlag)
    assert len({f.bit for f in QcFlag}) == len(QcFlag)
    assert set(FLAG_DESCRIPTIONS) == set(QcFlag)
    assert all(f.code.startswith("QC-") for f in QcFlag)


def test_decode_round_trip() -> None:
    bits = np.array([QcFlag.SPIKE.bit | QcFlag.NOISY.bit, 0, QcFlag.LATE.bit], dtype=np.uint32)
    assert decode(bits) == [("QC-NOISY", "QC-SPIKE"), (), ("QC-LATE",)]


def test_flags_listed_in_docs() -> None:
    from tests.conftest import REPO

    text = (REPO / "docs" / "qpcr.md").read_text()
    missing = [f.code for f in QcFlag if f.code not in text]
    assert not missing, f"docs/qpcr.md does not list {missing}"


def test_melt_flags_listed_in_docs() -> None:
    from chipdx.analysis.qpcr.melt import MELT_FLAGS
    from tests.conftest import REPO

    text = (REPO / "docs" / "qpcr.md").read_text()
    missing = [code for code in MELT_FLAGS if code not in text]
    assert not missing, f"docs/qpcr.md does not list {missing}"
