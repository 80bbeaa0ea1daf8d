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
  file streams through the app with byte ranges (core/ranged.py); from the object store, after a HEAD
  that finds out whether the object is there, the browser is sent (302) to a short-lived signed URL with
  the file's type and name, so the bytes do not pass through an app node and ranges are the store's, or,
  for what a page shows inline, the object streams through the app with the same byte ranges (the
  store's ranged GET). A file that is gone is a 404 page that says so, a store that is down a 503 page.
- `open`, `exists`, `delete`, `size`, `listdir`, `modified_time`: the storage's own, with the store's
  failures as `StorageUnavailable`; `walk` lists a folder at any depth and `delete_many` removes many
  files at once, from the object store 1,000 in one DeleteObjects request (the sweep of objects no row
  refers to, core/storage_sweep.py).
- `signed_url` is a short-lived URL of one stored file that needs no login (a video's HLS segments,
  which a player fetches by the hundred): from the object store its presigned URL; from local files
  an app URL carrying the name, its type and an expiry under an HMAC (django.core.signing with the
  SECRET_KEY), answered by `signed_file` with byte ranges; a tampered or expired token is a 404.
  Valid settings.SIGNED_URL_SECONDS unless the caller says otherwise.
- `local_path` is for the steps that need a file on this node's disk (text extraction in officefiles,
  zip checks): the file itself when the storage is local, else a NamedTemporaryFile copy of the object,
  deleted when the block ends.

Every private file goes through here: rosters, exports, evidence, declarations' proofs, institutions'
documents, resources, supervision evidence, assignments and pairing files, bulletins, videos. Stored
names are relative to PRIVATE_MEDIA_ROOT (or the bucket's prefix), the same names the older
`core/private_storage.py` wrote, so files stored before keep working. Locally a write is atomic (a
0600 `<name>.<random>.part` beside the target, hard-linked into place under a free name, so a reader
never sees half a file and no file is overwritten) and a folder an older release left 0755 is
tightened to 0700 when a file is next written into it.

A file bigger than memory (a large export) is written to a temporary file first and then `save`d
(S3Storage uploads it in parts); never whole-file bytes in memory.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.core.ranged import (
    CHUNK,
    RangeNotSatisfiable,
    byte_range,
    partial_response,
    range_not_satisfiable,
    ranged_file_response,
)

logger = logging.getLogger(__name__)

PRIVATE = "private"
FILE_MODE = 0o600
DIR_MODE = 0o700
STORAGE_UNWRITABLE = gettext_noop("The file could not be saved: the storage is not writable. "
                                  "Please contact the administrator.")
# The audit action of a write the store refused (accounts/audit_display.py labels it).
WRITE_FAILED = "storage_write_failed"
STORE_UNAVAILABLE = gettext_noop("The file store cannot be reached right now. Please try again in a few minutes.")
STORE_UNAVAILABLE_TITLE = gettext_noop("The file store is unavailable")
FILE_GONE = gettext_noop("This file is no longer in the file store: it may have been removed. Ask whoever uploaded "
                         "it to upload it again.")
FILE_GONE_TITLE = gettext_noop("File not found")


def _store_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # no S3 support installed: local files only
        pass
    return tuple(errors)


STORE_ERRORS = _store_errors()


class PrivateStorageError(ValidationError):
    """A file could not be stored (a full or read-only disk, a store that is down); `message` is for
    people. A ValidationError, so a view that shows a service's ValidationErrors shows this one too."""

    def __init__(self) -> None:
        super().__init__(_(STORAGE_UNWRITABLE))


class StorageUnavailable(ValidationError):
    """A stored file could not be read right now; `message` is for people."""

    def __init__(self) -> None:
        super().__init__(_(STORE_UNAVAILABLE))


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files under settings.PRIVATE_MEDIA_ROOT, read when used (a test or a deployment that moves
    the root moves the storage with it), 0600 files in 0700 folders."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", DIR_MODE)
        super().__init__(**kwargs)

    def _folder(self, directory: Path) -> Path:
        """`directory` (inside the root) and every folder on the way created 0700; those an older
        release left open are tightened (one stat per level)."""
        base = Path(self.location)
        relative = directory.relative_to(base)
        chain = [base] + [base.joinpath(*relative.parts[:depth]) for depth in range(1, len(relative.parts) + 1)]
        for folder in chain:
            try:
                folder.mkdir(mode=DIR_MODE, parents=folder is base)
            except FileExistsError:
                found = folder.stat()
                if not stat.S_ISDIR(found.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from None
                if found.st_mode & 0o077 and found.st_uid == os.geteuid():
                    folder.chmod(DIR_MODE)
        return chain[-1]

    def _save(self, name: str, content: File) -> str:
        """Atomic and never overwriting: the bytes go to a 0600 `.part` beside the target, which is then
        hard-linked under the first free name (a link fails rather than replace a file)."""
        full = Path(self.path(name))
        directory = self._folder(full.parent)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=full.name + ".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek") and not getattr(content, "closed", False):
                    with contextlib.suppress(OSError, ValueError):
                        content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            while True:
                try:
                    os.link(temp, full)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full = Path(self.path(name))
        finally:
            Path(temp).unlink(missing_ok=True)
        return os.path.relpath(full, self.location).replace("\\", "/")

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


def _check_name(name: str) -> None:
    if ".." in Path(name).parts or name.startswith("/"):
        raise ValueError(f"{name} leaves the private storage")


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
    """Store `content` under `name` (or a free name beside it); the name it was stored under. A File
    (an upload, a temporary file) is streamed in chunks, never read whole."""
    _check_name(name)
    try:
        return private_storage().save(name, content if isinstance(content, File) else ContentFile(content))
    except STORE_ERRORS as exc:
        raise _failed_write(name, exc, actor, scope_path) from exc


def temporary_file(*, prefix: str = ".upload-", suffix: str = "", actor: Any = None,
                   scope_path: str = "") -> tuple[int, str]:
    """A 0600 temporary file on this node's disk (settings.FILE_UPLOAD_TEMP_DIR, else the system's) to
    receive an upload into while it is checked; `save_path` then stores it. The caller removes it."""
    try:
        return tempfile.mkstemp(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix=prefix, suffix=suffix)
    except OSError as exc:
        raise _failed_write(prefix, exc, actor, scope_path) from exc


def save_path(name: str, path: str | Path, *, actor: Any = None, scope_path: str = "") -> str:
    """Store the local file at `path` under `name` (streamed); the name it was stored under."""
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 - closed below, after the open error is told apart
    except OSError as exc:
        raise _failed_write(name, exc, actor, scope_path) from exc
    with handle:
        return save(name, File(handle, name=Path(name).name), actor=actor, scope_path=scope_path)


@contextlib.contextmanager
def discarded_on_error(*names: str) -> Iterator[list[str]]:
    """The one way a file and the rows that point at it are kept together: save the file(s) first,
    outside any transaction, then write the rows in a `transaction.atomic()` block inside this one
    (`with storage_files.discarded_on_error(name), transaction.atomic():`). When the rows are not
    written (a validation, a lost race, a database error, a later step of the same transaction, a
    commit that fails), the files go too, so no object is left without a row. The block yields a list:
    a file saved inside it is appended, so a second file the store refuses takes the first away.

    Nothing that can fail may follow the atomic block inside this one (its rows are committed), and
    the atomic block must be the outermost one: a caller's transaction around it could still roll back
    after this block let the files stay. Services that store files therefore do not run inside
    another service's transaction."""
    kept = list(names)
    try:
        yield kept
    except BaseException:
        for name in kept:
            try:
                delete(name)
            except (StorageUnavailable, OSError):
                logger.warning("private storage: cannot remove %s after a failed write", name)
        raise


def discard_on_commit(name: str) -> None:
    """Remove a file its row no longer points at (a material replaced by a new upload) once the
    transaction that replaced it has committed; a rollback keeps it, as the row still points at it.
    A store that is down leaves it, logged with its name."""

    def remove() -> None:
        try:
            delete(name)
        except (StorageUnavailable, OSError):
            logger.warning("private storage: cannot remove the replaced %s", name)

    transaction.on_commit(remove)


def open(name: str) -> File:  # noqa: A001 - the storage API's own word
    try:
        return private_storage().open(name, "rb")
    except FileNotFoundError:
        raise
    except STORE_ERRORS as exc:
        logger.warning("private storage: cannot read %s: %s", name, exc)
        raise StorageUnavailable() from exc


def read_bytes(name: str) -> bytes:
    """A small stored file's bytes (a playlist, a manifest); FileNotFoundError when it is not there,
    StorageUnavailable when the store cannot be read (an object store reads lazily: both are told
    apart here, not at open)."""
    try:
        with private_storage().open(name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise
    except STORE_ERRORS as exc:
        if getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name) from exc
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


DELETE_BATCH = 1000  # S3's DeleteObjects takes at most 1,000 keys a request


def delete_many(names: Iterable[str]) -> dict[str, str]:
    """Remove the stored files `names`; those the store refused, each with the store's reason (each
    logged with its name), the others are gone (a name that was not there counts as removed, as with
    `delete`). From the object store one DeleteObjects request per DELETE_BATCH names, in quiet mode
    (the answer lists only the keys it could not remove), instead of a DELETE request per object;
    locally each file in turn. A store that cannot be reached is StorageUnavailable (the requests before
    it have removed their files)."""
    storage = private_storage()
    failed: dict[str, str] = {}
    if is_local(storage):
        for name in names:
            _check_name(name)
            try:
                storage.delete(name)
            except OSError as exc:
                failed[name] = exc.strerror or type(exc).__name__
    else:
        batch: dict[str, str] = {}  # the object's key: the name
        for name in names:
            _check_name(name)
            batch[_object_key(storage, name)] = name
            if len(batch) == DELETE_BATCH:
                failed.update(_delete_objects(storage, batch))
                batch = {}
        if batch:
            failed.update(_delete_objects(storage, batch))
    for name, reason in failed.items():
        logger.warning("private storage: the store refused to remove %s: %s", name, reason)
    return failed


def _delete_objects(storage: Storage, batch: dict[str, str]) -> dict[str, str]:
    """One DeleteObjects request for the keys of `batch`; the names of those it did not remove, with why."""
    try:
        answer = storage.connection.meta.client.delete_objects(
            Bucket=storage.bucket_name, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
    except STORE_ERRORS as exc:
        logger.warning("private storage: cannot remove %d objects: %s", len(batch), exc)
        raise StorageUnavailable() from exc
    return {batch.get(error.get("Key", ""), error.get("Key", "")):
            f"{error.get('Code', '')} {error.get('Message', '')}".strip() or "refused"
            for error in answer.get("Errors", [])}


def touch(name: str, content: bytes, *, actor: Any = None, scope_path: str = "") -> None:
    """Make a stored file's modified time now (a retention period starts over): locally its mtime,
    in the object store the same bytes written again under the same key (objects have no mtime to set)."""
    storage = private_storage()
    try:
        if is_local(storage):
            os.utime(storage.path(name))
        else:
            storage._save(name, ContentFile(content))  # the backend's own write: the same key, overwritten
    except STORE_ERRORS as exc:
        raise _failed_write(name, exc, actor, scope_path) from exc


def listdir(folder: str) -> tuple[list[str], list[str]]:
    """(folders, files) directly in `folder`; both empty when it does not exist (yet)."""
    try:
        return private_storage().listdir(folder)
    except FileNotFoundError:
        return [], []
    except STORE_ERRORS as exc:
        raise StorageUnavailable() from exc


def walk(prefix: str) -> Iterator[tuple[str, datetime]]:
    """(name, modified time) of every stored file under the folder `prefix` ("videos/"), at any depth,
    in no particular order: locally a walk of the folder, from the object store a paged listing of the
    keys under it (1,000 a request, each with its LastModified), never one request per folder."""
    _check_name(prefix)
    folder = prefix.rstrip("/") + "/"
    storage = private_storage()
    try:
        if is_local(storage):
            root = Path(storage.location)
            for directory, _folders, files in os.walk(root / folder):
                for file in files:
                    path = Path(directory) / file
                    with contextlib.suppress(FileNotFoundError):  # removed while walking
                        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
                        yield path.relative_to(root).as_posix(), mtime
            return
        base = _object_key(storage, folder)
        strip = len(base) - len(folder)  # the bucket's own prefix (TISHENG_S3_PREFIX) before the name
        pages = storage.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=storage.bucket_name, Prefix=base)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][strip:], item["LastModified"]
    except STORE_ERRORS as exc:
        logger.warning("private storage: cannot list %s: %s", folder, exc)
        raise StorageUnavailable() from exc


def modified_time(name: str) -> datetime:
    try:
        return private_storage().get_modified_time(name)
    except FileNotFoundError:
        raise
    except STORE_ERRORS as exc:
        raise StorageUnavailable() from exc


@contextlib.contextmanager
def local_path(name: str, *, suffix: str = "") -> Iterator[Path]:
    """A path on this node's disk to read the stored file through (see the module docstring)."""
    storage = private_storage()
    if is_local(storage):
        path = Path(storage.path(name))
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=suffix or Path(name).suffix) as copy:
        with open(name) as stored:
            shutil.copyfileobj(stored, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


def _disposition(filename: str, as_attachment: bool) -> str:
    kind = "attachment" if as_attachment else "inline"
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


def _file_page(request: HttpRequest, name: str, *, status: int) -> HttpResponse:
    """What a person reads instead of the file: it is gone (404) or the store is down (503)."""
    gone = status == 404
    response = render(request, "core/storage_files_page.html", {
        "title": _(FILE_GONE_TITLE) if gone else _(STORE_UNAVAILABLE_TITLE),
        "message": _(FILE_GONE) if gone else _(STORE_UNAVAILABLE)}, status=status)
    if not gone:
        response["Retry-After"] = "60"
    response["Cache-Control"] = "private, no-store"
    return response


def _object_key(storage: Storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))  # the key under the bucket's prefix, as S3Storage names it


def _object_size(storage: Storage, name: str) -> int | None:
    """The stored object's size from a HEAD request; None when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=_object_key(storage, name))
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return None
        raise
    return int(head["ContentLength"])


def _object_chunks(body: Any, name: str) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    except STORE_ERRORS:
        # The headers are out: all that is left is to cut the response short (its Content-Length
        # tells the client) and say which object broke off.
        logger.exception("private storage: reading %s from the store broke off", name)
        raise
    finally:
        body.close()


def _object_response(request: HttpRequest, storage: Storage, name: str, size: int,
                     content_type: str) -> HttpResponse | None:
    """The object streamed through this node with the store's own ranged GET for the one range asked
    for (206, 416 past the end), or whole (200); None when it went between the HEAD and the GET."""
    from botocore.exceptions import ClientError

    try:
        asked = byte_range(request, size)
    except RangeNotSatisfiable:
        return range_not_satisfiable(size)
    params = {"Bucket": storage.bucket_name, "Key": _object_key(storage, name)}
    if asked is not None:
        params["Range"] = f"bytes={asked[0]}-{asked[1]}"
    try:
        got = storage.connection.meta.client.get_object(**params)
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return None
        raise
    chunks = _object_chunks(got["Body"], name)
    if asked is None:
        response = StreamingHttpResponse(chunks, content_type=content_type)
        response["Content-Length"] = str(got["ContentLength"])
        response["Accept-Ranges"] = "bytes"
        return response
    return partial_response(chunks, *asked, size, content_type)


def serve(request: HttpRequest, name: str, *, content_type: str, filename: str | None = None,
          as_attachment: bool = False, through_app: bool = False) -> HttpResponse:
    """The stored file for a request the caller has authorised (see the module docstring). A file that
    is not there is a 404 page that says so (logged with its name), found out before anything is
    answered: from the object store by a HEAD request, so neither a redirect to the store's own error
    nor a stream that breaks midway; a store that is down is a 503 page. `through_app`: stream it from
    the object store through this node instead of sending the browser to the store, for what a page
    shows inline (an image, a PDF in our own frame), which the Content-Security-Policy lets come from
    this site only; with byte ranges as a local file has them, by the store's ranged GET."""
    storage = private_storage()
    filename = filename or Path(name).name
    if ".." in Path(name).parts or name.startswith("/"):
        raise Http404
    if is_local(storage):
        path = Path(storage.path(name))
        if not path.is_file():
            logger.warning("private storage: %s is not on this node's disk", name)
            return _file_page(request, name, status=404)
        response = ranged_file_response(request, path, content_type)
    else:
        try:
            size = _object_size(storage, name)
            response = None
            if size is not None and through_app:
                response = _object_response(request, storage, name, size, content_type)
            elif size is not None:
                url = storage.url(name, expire=settings.S3_URL_SECONDS, parameters={
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": _disposition(filename, as_attachment)})
                response = HttpResponseRedirect(url)
                response["Referrer-Policy"] = "no-referrer"  # the signed URL is not passed on
        except STORE_ERRORS as exc:
            logger.warning("private storage: cannot read %s: %s", name, exc)
            return _file_page(request, name, status=503)
        if response is None:
            logger.warning("private storage: %s is not in the object store", name)
            return _file_page(request, name, status=404)
    if response.status_code != 302:
        response["Content-Disposition"] = _disposition(filename, as_attachment)
    response["Cache-Control"] = "private, no-store"
    return response


# --- short-lived signed URLs ----------------------------------------------------------------------

SIGNED_SALT = "tisheng.core.storage_files.signed_url"


def signed_url_seconds() -> int:
    return int(getattr(settings, "SIGNED_URL_SECONDS", 4 * 3600))


def signed_url(name: str, *, content_type: str, seconds: int | None = None) -> str:
    """A URL that fetches the stored file `name` without a login until it expires (see the module
    docstring); the caller has authorised the request it answers. No store call: nothing is checked
    about the object here, a missing one is the 404 page when the URL is used."""
    _check_name(name)
    seconds = signed_url_seconds() if seconds is None else seconds
    storage = private_storage()
    if not is_local(storage):
        return storage.url(name, expire=seconds, parameters={"ResponseContentType": content_type})
    token = signing.dumps({"n": name, "t": content_type, "e": int(time.time()) + seconds},
                          salt=SIGNED_SALT, compress=True)
    return reverse("signed-file", args=[token])


def signed_name(token: str) -> tuple[str, str] | None:
    """(name, content type) of a token `signed_url` made that has not expired; None for anything else
    (a token changed by one character fails its HMAC)."""
    try:
        payload = signing.loads(token, salt=SIGNED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int) or payload["e"] < time.time():
        return None
    name, content_type = payload.get("n"), payload.get("t")
    if not isinstance(name, str) or not isinstance(content_type, str):
        return None
    return name, content_type


def signed_file(request: HttpRequest, token: str) -> HttpResponse:
    """The view of a local signed URL: the file with byte ranges, or 404 for a token that is
    tampered with or expired (logged, without the token)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    found = signed_name(token)
    if found is None:
        logger.info("private storage: a signed URL that is tampered with or expired was refused")
        raise Http404
    name, content_type = found
    return serve(request, name, content_type=content_type, through_app=True)
