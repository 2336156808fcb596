"""Settings of the lab web app: where the database and files live, limits, the signing secret."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from chipdx.errors import InvalidParameterError

__all__ = ["DEFAULT_UPLOAD_LIMIT", "ServiceSettings"]

DEFAULT_UPLOAD_LIMIT = 64 * 1024 * 1024  # bytes; the largest real run files seen are ~25 MB
_SECRET_FILE = "secret.key"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """How one server runs.

    ``db_url`` None keeps an SQLite file ``chipdx.db`` in ``data_dir``; ``secret`` signs the CSRF tokens
    (read from ``$CHIPDX_SECRET``, else from ``data_dir/secret.key``, created on first start);
    ``worker_threads`` analysis threads in this process (0: a separate worker does the jobs);
    ``lease_s`` how long a claimed job stays a worker's without a heartbeat (a killed worker's job is
    taken up by another one after it).
    """

    data_dir: Path
    db_url: str | None = None
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    secret: str = ""
    worker_threads: int = 1
    lease_s: float = 30.0
    poll_s: float = 0.5
    secure_cookies: bool = False  # True behind HTTPS: cookies get the Secure attribute
    lis_mllp: str = ""  # HOST:PORT of an HL7 v2 MLLP listener that receives every release
    lis_fhir: str = ""  # base URL of a FHIR R4 server that receives every release as a transaction Bundle
    lis_export: Path | None = None  # a folder that receives every release as .hl7 and .fhir.json files
    lis_timeout_s: float = 10.0
    lis_backoff_s: float = 5.0  # first retry after this; doubled each attempt (at most an hour)

    def __post_init__(self) -> None:
        if self.upload_limit <= 0:
            raise InvalidParameterError("service", "upload_limit", "a positive number of bytes",
                                        str(self.upload_limit))
        if self.worker_threads < 0:
            raise InvalidParameterError("service", "worker_threads", "0 or more", str(self.worker_threads))
        if self.lease_s <= 0:
            raise InvalidParameterError("service", "lease_s", "a positive number of seconds", str(self.lease_s))
        if self.lis_mllp:
            host, _, port = self.lis_mllp.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise InvalidParameterError("service", "lis_mllp", "HOST:PORT", repr(self.lis_mllp))
        if self.lis_fhir and not self.lis_fhir.startswith(("http://", "https://")):
            raise InvalidParameterError("service", "lis_fhir", "an http(s):// base URL", repr(self.lis_fhir))
        for name in ("lis_timeout_s", "lis_backoff_s"):
            if not getattr(self, name) > 0:
                raise InvalidParameterError("service", name, "a positive number of seconds", str(getattr(self, name)))

    @property
    def destinations(self) -> tuple[str, ...]:
        """Where every release is sent, as the store queues them: ``mllp:HOST:PORT``, ``fhir:URL``,
        ``file:FOLDER``."""
        found = [f"mllp:{self.lis_mllp}" if self.lis_mllp else "", f"fhir:{self.lis_fhir}" if self.lis_fhir else "",
                 f"file:{self.lis_export.resolve()}" if self.lis_export is not None else ""]
        return tuple(d for d in found if d)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'chipdx.db'}"

    @property
    def uploads(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def outputs(self) -> Path:
        return self.data_dir / "runs"

    def signing_secret(self) -> str:
        """The configured secret, else ``$CHIPDX_SECRET``, else the one kept in ``data_dir`` (made once, 0600)."""
        if self.secret:
            return self.secret
        from_env = os.environ.get("CHIPDX_SECRET", "")
        if from_env:
            return from_env
        path = self.data_dir / _SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".{_SECRET_FILE}.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as stream:
                stream.write(secrets.token_urlsafe(32))
            try:
                os.link(draft, path)  # atomic; a second server starting at once keeps the first one's secret
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()
