"""The one exception hierarchy of chipdx.

Every error that bad input can cause is a :class:`ChipdxError`. Readers raise
:class:`FormatError`, whose message names the file, the place in it, what was
expected and what was found, so that a person can fix the file without reading
code::

    ChipdxError
    ├── FormatError               a file could not be read
    │   ├── UnknownFormatError    no registered format recognises the file
    │   ├── UnsafeInputError      DTD/entities, zip bombs, oversized input
    │   │   └── UploadTooLargeError   an upload over the service's limit (HTTP 413)
    │   └── UndeclaredReferenceError       a reference to an undeclared sample/target/dye
    │   └── ProtocolError         a chip protocol that cannot run (sim)
    ├── ValidationError           a file reads but breaks a consistency rule
    ├── UnsupportedError          a valid request the software cannot honour
    │   └── MissingExtraError     a feature whose optional dependencies (a pip extra) are not installed
    ├── InvalidParameterError     a parameter outside its allowed values (also a ValueError)
    ├── NotFittedError            an estimator used before ``fit`` (also an AttributeError)
    ├── ChipError                 the simulated chip cannot carry out a request
    │   ├── ManualError           a manual command (unknown name, off the grid, no route)
    │   └── NoRouteError          no placement or route for a protocol step
    ├── DeviceControlError        SiLA 2 device control
    │   ├── ClientError           the server cannot be reached or refused the request
    │   └── ServerError           the server cannot start
    ├── StoreError                the lab service store refused a request
    │   ├── NotFoundError         no such user, run, sample or job
    │   ├── ConflictError         a duplicate, or a request the record's state forbids
    │   └── AccessRefusedError    wrong role, four-eyes breach, wrong password or a locked account
    └── LisError                  an HL7 or FHIR message failed its validation

Every exception class of chipdx is defined in this module (``tests/test_errors_tree.py``
walks the package and fails on one defined elsewhere); the modules that raise them
re-export them where their users import them from.

Warnings use :class:`ChipdxWarning` so that callers can filter them.

Examples
--------
>>> err = FormatError("run.rdml", "react[3]/data[MYCN]/adp[2]/fluor", "a finite number", "'abc'")
>>> str(err)
"run.rdml: react[3]/data[MYCN]/adp[2]/fluor: expected a finite number, found 'abc'"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AccessRefusedError",
    "ChipError",
    "ChipdxError",
    "ChipdxWarning",
    "ClientError",
    "ConflictError",
    "DeviceControlError",
    "FormatError",
    "InvalidParameterError",
    "LisError",
    "ManualError",
    "MissingExtraError",
    "NoRouteError",
    "NotFittedError",
    "NotFoundError",
    "ProtocolError",
    "ServerError",
    "StoreError",
    "UndeclaredReferenceError",
    "UnknownFormatError",
    "UnsafeInputError",
    "UnsupportedError",
    "UploadTooLargeError",
    "ValidationError",
    "close_names",
    "quote",
]


class ChipdxError(Exception):
    """Base class of every error chipdx raises on purpose."""


class FormatError(ChipdxError, ValueError):
    """A file does not hold what its format requires.

    Parameters
    ----------
    file
        The file (or folder) being read, as the user named it.
    place
        Where in the file: a line number, an XML path or a zip member.
    expected
        What must hold there.
    found
        What was there instead (quoted and shortened).
    """

    def __init__(self, file: str, place: str, expected: str, found: str) -> None:
        self.file = file
        self.place = _one_line(place)
        self.expected = _one_line(expected)
        self.found = _one_line(found)
        where = f"{file}: {self.place}" if self.place else file
        super().__init__(f"{where}: expected {self.expected}, found {self.found}")


class UnknownFormatError(FormatError):
    """No registered format recognises the file."""


class UnsafeInputError(FormatError):
    """The input is refused for safety: a DTD, entities, or a size bomb."""


class UploadTooLargeError(UnsafeInputError):
    """An upload over the lab service's size limit (HTTP 413)."""


class UndeclaredReferenceError(FormatError):
    """A record refers to a sample, target or dye that the file never declares."""


class ValidationError(ChipdxError):
    """A file reads, but breaks one or more consistency rules.

    Parameters
    ----------
    file
        The file that was checked.
    problems
        One line per broken rule.
    """

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = tuple(problems)
        count = len(problems)
        first = problems[0] if problems else "no problem given"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{file}: {first}{more}")


class UnsupportedError(ChipdxError):
    """A well-formed request that chipdx cannot honour (for example, an unknown output format)."""


class MissingExtraError(UnsupportedError):
    """A feature whose optional dependencies (a pip extra) are not installed.

    >>> str(MissingExtraError("PDF reports", "pdf", "weasyprint"))
    "PDF reports: weasyprint is not installed; install the 'pdf' extra: pip install 'chipdx[pdf]'"
    """

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.feature, self.extra, self.module = feature, extra, module
        super().__init__(f"{feature}: {module} is not installed; install the {extra!r} extra: "
                         f"pip install 'chipdx[{extra}]'")


class ProtocolError(FormatError):
    """A protocol that cannot run: unknown operation, bad value, impossible request."""


class InvalidParameterError(ChipdxError, ValueError):
    """A parameter outside its allowed values (scikit-learn's ``InvalidParameterError`` in spirit).

    >>> str(InvalidParameterError("CurveClassifier", "band_on", "'calibrated' or 'raw'", "'nonsense'"))
    "CurveClassifier: parameter band_on: expected 'calibrated' or 'raw', found 'nonsense'"
    """

    def __init__(self, owner: str, parameter: str, expected: str, found: str) -> None:
        self.owner, self.parameter, self.expected, self.found = owner, parameter, expected, found
        super().__init__(f"{owner}: parameter {parameter}: expected {expected}, found {found}")


class NotFittedError(ChipdxError, AttributeError):
    """An estimator used before ``fit`` (scikit-learn's ``NotFittedError`` in spirit)."""


class ChipError(ChipdxError):
    """The simulated chip cannot carry out a request."""


class ManualError(ChipError):
    """A manual command that the chip cannot carry out (unknown name, off the grid, no route)."""


class NoRouteError(ChipError):
    """No placement or route exists for an operation (the run must abort)."""


class DeviceControlError(ChipdxError):
    """SiLA 2 device control failed."""


class ClientError(DeviceControlError):
    """The server cannot be reached, or it refused the request (its defined error, one line)."""


class ServerError(DeviceControlError):
    """The server cannot start (port in use, bad address, discovery unavailable)."""


class StoreError(ChipdxError):
    """The lab service store refused a request; the message says what must hold and what was found."""


class NotFoundError(StoreError, LookupError):
    """No such user, run, sample or job."""


class ConflictError(StoreError):
    """A duplicate, or a request that the record's state forbids (for example releasing a run twice)."""


class AccessRefusedError(StoreError):
    """Wrong role, a four-eyes breach, a wrong password or a locked account."""


class LisError(ChipdxError):
    """An HL7 v2 or FHIR message built by chipdx failed its validation."""


class ChipdxWarning(UserWarning):
    """Base category of the warnings chipdx emits."""


def _one_line(text: str) -> str:
    """Fold line breaks so that every message is one line."""
    return " ".join(part.strip() for part in text.strip().splitlines())


def quote(value: object, limit: int = 40) -> str:
    """Quote a found value for an error message, shortened to ``limit`` characters.

    >>> quote("x" * 50, limit=10)
    "'xxxxxxxxxx…'"
    """
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text)


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """Names in ``known`` that ``name`` was probably meant to be (for "did you mean" in a message).

    >>> close_names("Rp", ["N1", "N2", "RP"]), close_names("RP", ["N1", "RNaseP"]), close_names("X", ["N1"])
    (['RP'], ['RNaseP'], [])
    """
    options = list(dict.fromkeys(known))
    same_case = [k for k in options if k.lower() == name.lower()]
    return same_case or difflib.get_close_matches(name, options, n=3, cutoff=0.5)
