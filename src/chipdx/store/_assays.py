"""Assays uploaded by an admin: the YAML kept exactly as uploaded with its SHA-256, one row per (name, version),
retired rather than deleted (runs analysed with it keep pointing at it). The store does not read YAML: the
service validates the file with the assay loader first and hands the name and version in."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipdx.errors import ConflictError, InvalidParameterError, NotFoundError
from chipdx.store._core import StoreCore
from chipdx.store._models import Assay, User, utcnow
from chipdx.store._records import AssayInfo

__all__ = ["AssayStore"]

_NAME_LIMIT, _VERSION_LIMIT = 120, 40


def _info(assay: Assay, uploader: str) -> AssayInfo:
    return AssayInfo(assay.id, assay.name, assay.version, assay.sha256, uploader, assay.uploaded_at, assay.retired,
                     assay.retired_at)


class AssayStore(StoreCore):
    """Add, list, read and retire uploaded assay definitions (admin; audited ``assay.add``, ``assay.retire``)."""

    def add_assay(self, name: str, version: str, text: str, *, by: int) -> AssayInfo:
        """Keep a validated assay file; :class:`ConflictError` when this name and version are already kept."""
        if not name or len(name) > _NAME_LIMIT:
            raise InvalidParameterError("assays", "id", f"1-{_NAME_LIMIT} characters", repr(name[:40]))
        if not version or len(version) > _VERSION_LIMIT:
            raise InvalidParameterError("assays", "version", f"1-{_VERSION_LIMIT} characters", repr(version[:40]))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

        def work(session: Session) -> AssayInfo:
            user = self._actor(session, by, "admin")
            taken = session.execute(select(Assay).where(Assay.name == name, Assay.version == version)).scalar()
            if taken is not None:
                raise ConflictError(f"assay {name} version {version}: already uploaded (SHA-256 {taken.sha256[:12]});"
                                    " give the file a new version")
            assay = Assay(name=name, version=version, sha256=digest, text=text, uploaded_by=user.id, retired=False)
            session.add(assay)
            session.flush()
            self._event(session, user.name, "assay.add", f"assay:{assay.id}",
                        new=f"{name} {version} sha256 {digest}")
            return _info(assay, user.name)

        return self._write(work)

    def assays(self) -> list[AssayInfo]:
        """Every uploaded assay, by name then upload order (retired ones included)."""
        statement = select(Assay, User.name).join(User, User.id == Assay.uploaded_by).order_by(Assay.name, Assay.id)
        with self._reading() as session:
            return [_info(assay, uploader) for assay, uploader in session.execute(statement)]

    def assay_text(self, name: str, *, include_retired: bool = True) -> tuple[AssayInfo, str] | None:
        """The newest uploaded version of ``name`` (not retired, unless ``include_retired`` and every version is)
        and its YAML; ``None`` when no assay of that name was uploaded."""
        statement = (select(Assay, User.name).join(User, User.id == Assay.uploaded_by).where(Assay.name == name)
                     .order_by(Assay.retired, Assay.id.desc()))
        with self._reading() as session:
            row = session.execute(statement.limit(1)).first()
            if row is None or (row[0].retired and not include_retired):
                return None
            return _info(row[0], row[1]), row[0].text

    def retire_assay(self, assay_id: int, *, by: int, reason: str) -> AssayInfo:
        """Offer the assay no more for new uploads (kept for the runs that used it); reason required."""
        text = self._reason(reason, "retire assay")

        def work(session: Session) -> AssayInfo:
            user = self._actor(session, by, "admin")
            assay = session.get(Assay, assay_id, with_for_update=True)
            if assay is None:
                raise NotFoundError(f"assay {assay_id}: no such uploaded assay")
            if assay.retired:
                raise ConflictError(f"assay {assay.name} {assay.version}: already retired")
            assay.retired, assay.retired_at = True, utcnow()
            self._event(session, user.name, "assay.retire", f"assay:{assay.id}", old="active", new="retired",
                        reason=text)
            return _info(assay, self._user_row(session, assay.uploaded_by).name)

        return self._write(work)
