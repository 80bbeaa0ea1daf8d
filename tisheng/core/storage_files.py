"""Private files through Django's storage API: local files by default, an S3-compatible store for several
app nodes (issue 20, item 4).

The storage alias "private" (settings.STORAGES) is a FileSystemStorage under PRIVATE_MEDIA_ROOT (files
0600, folders 0700) unless TISHENG_S3_BUCKET is set; then it is django-storages' S3Storage against
TISHENG_S3_ENDPOINT_URL (MinIO, or a Chinese cloud's S3-compatible object store), objects private
(no ACL is granted; the bucket must not be public) and every URL signed, valid TISHENG_S3_URL_SECONDS.

- `save` stores bytes or a file and returns the name it was stored under (never overwriting another
  file). A store that is down, full or refuses the write becomes `PrivateStorageError` (the same clear
  message as a local disk that cannot be written, "文件保存失败…"), with the cause in the log and an audit
  row. Callers save before they write the rows that point at the file, so a failed save leaves nothing
  half-written in the database.
- `serve` answers a request its view has already authorised (scope checks stay in the views): a local
  file streams through the app with byte ranges (core/ranged.py); from the object store the browser is
  sent (302) to a short-lived signed URL with the file's type and name, so the bytes do not pass through
  an app node and ranges are the store's.
- `open`, `exists`, `delete`, `size`: the storage's own, with the store's failures as `StorageUnavailable`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.core.private_storage import WRITE_FAILED, PrivateStorageError
from tisheng.core.ranged import ranged_file_response

logger = logging.getLogger(__name__)

PRIVATE = "private"
STORE_UNAVAILABLE = gettext_noop("The file store cannot be reached right now. Please try again in a few minutes.")


def _store_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # no S3 support installed: local files only
        pass
    return tuple(errors)


STORE_ERRORS = _store_errors()


class StorageUnavailable(ValidationError):
    """A stored file could not be read right now; `message` is for people."""

    def __init__(self) -> None:
        super().__init__(_(STORE_UNAVAILABLE))


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files under settings.PRIVATE_MEDIA_ROOT, read when used (a test or a deployment that moves
    the root moves the storage with it), 0600 files in 0700 folders."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT))

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


def private_storage() -> Storage:
    return storages[PRIVATE]


def is_local(storage: Storage | None = None) -> bool:
    return isinstance(storage or private_storage(), FileSystemStorage)


def _failed_write(name: str, exc: BaseException, actor: Any, scope_path: str) -> PrivateStorageError:
    logger.error("private storage: cannot write %s: %s", name, exc)
    try:
        from tisheng.accounts.services import audit

        audit(actor=actor, action=WRITE_FAILED, object_type="private_file", object_id=name[:64],
              scope_path=scope_path, error=type(exc).__name__, errno=getattr(exc, "errno", None))
    except DatabaseError:
        logger.exception("private storage: cannot audit the failed write of %s", name)
    return PrivateStorageError()


def save(name: str, content: bytes | File, *, actor: Any = None, scope_path: str = "") -> str:
    """Store `content` under `name` (or a free name beside it); the name it was stored under."""
    if ".." in Path(name).parts or name.startswith("/"):
        raise ValueError(f"{name} leaves the private storage")
    try:
        return private_storage().save(name, content if isinstance(content, File) else ContentFile(content))
    except STORE_ERRORS as exc:
        raise _failed_write(name, exc, actor, scope_path) from exc


def open(name: str) -> File:  # noqa: A001 - the storage API's own word
    try:
        return private_storage().open(name, "rb")
    except FileNotFoundError:
        raise
    except STORE_ERRORS as exc:
        logger.warning("private storage: cannot read %s: %s", name, exc)
        raise StorageUnavailable() from exc


def exists(name: str) -> bool:
    try:
        return private_storage().exists(name)
    except STORE_ERRORS as exc:
        raise StorageUnavailable() from exc


def size(name: str) -> int:
    try:
        return private_storage().size(name)
    except STORE_ERRORS as exc:
        raise StorageUnavailable() from exc


def delete(name: str) -> None:
    try:
        private_storage().delete(name)
    except STORE_ERRORS as exc:
        raise StorageUnavailable() from exc


def _disposition(filename: str, as_attachment: bool) -> str:
    kind = "attachment" if as_attachment else "inline"
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


def serve(request: HttpRequest, name: str, *, content_type: str, filename: str | None = None,
          as_attachment: bool = False) -> HttpResponse:
    """The stored file for a request the caller has authorised (see the module docstring)."""
    storage = private_storage()
    filename = filename or Path(name).name
    if is_local(storage):
        response = ranged_file_response(request, Path(storage.path(name)), content_type)
        response["Content-Disposition"] = _disposition(filename, as_attachment)
    else:
        url = storage.url(name, parameters={"ResponseContentType": content_type,
                                            "ResponseContentDisposition": _disposition(filename, as_attachment)},
                          expire=settings.S3_URL_SECONDS)
        response = HttpResponseRedirect(url)
        response["Referrer-Policy"] = "no-referrer"  # the signed URL is not passed on
    response["Cache-Control"] = "private, no-store"
    return response
