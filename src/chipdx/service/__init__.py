"""The lab service (SPEC §7b, §8): a FastAPI web app and JSON API where runs are uploaded, analysed by a
worker through :mod:`chipdx.pipeline`, reviewed, released with an e-signature and sent to the LIS.

Storage is :mod:`chipdx.store`; LIS messages are :mod:`chipdx.lis`. Importing this package needs the
``web`` extra (FastAPI, uvicorn); the rest of chipdx does not.
"""

from chipdx.service._access import PERMISSIONS, permission_of
from chipdx.service._app import create_app
from chipdx.service._serve import first_admin, serve
from chipdx.service._settings import DEFAULT_UPLOAD_LIMIT, ServiceSettings
from chipdx.service._worker import Worker

__all__ = ["DEFAULT_UPLOAD_LIMIT", "PERMISSIONS", "ServiceSettings", "Worker", "create_app",
           "first_admin", "permission_of", "serve"]
