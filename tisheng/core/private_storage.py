"""Writing files under PRIVATE_MEDIA_ROOT: the one way every app stores a file that holds
personal data (uploaded rosters with national IDs, large exports, practice evidence).

- Files are 0600 and the directories this module creates or writes into 0700: only the
  platform's own account reads them (not another account on the host, not a web server
  serving the directory by mistake). A directory left 0755 by an older release is tightened
  the next time a file is written into it.
- A write is atomic: a temporary `<name>.<random>.part` beside the target (created 0600 by
  `tempfile.mkstemp`), then a rename, so a reader never sees half a file and a stopped write
  leaves only a `.part` the owner's purge removes.
- Any OSError on the way (read-only or full disk, a missing mount, permissions) becomes
  `PrivateStorageError` with one message for people (STORAGE_UNWRITABLE, "文件保存失败：…"),
  the cause in the server log and an audit row `storage_write_failed`. The audit row is
  written in the caller's transaction: callers write files before they open one (the roster
  preview, the export job, the evidence upload's first copy), so it stays.

`PrivateStorageError` is a ValidationError, so a view that already shows a service's
ValidationErrors as messages shows this one too.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
STORAGE_UNWRITABLE = gettext_noop("The file could not be saved: the storage is not writable. "
                                  "Please contact the administrator.")
WRITE_FAILED = "storage_write_failed"  # audit action


class PrivateStorageError(ValidationError):
    """A file could not be written under PRIVATE_MEDIA_ROOT; `message` is for people."""

    def __init__(self) -> None:
        super().__init__(_(STORAGE_UNWRITABLE))


def root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def _relative(path: str | Path) -> Path:
    """`path` relative to the root (given relative, or absolute inside it)."""
    path = Path(path)
    if path.is_absolute():
        path = path.relative_to(root())
    if ".." in path.parts:
        raise ValueError(f"{path} leaves the private storage")
    return path


def _failed(relative: Path, exc: OSError, actor: Any, scope_path: str) -> PrivateStorageError:
    logger.error("private storage: cannot write %s: %s", relative, exc)
    try:
        from tisheng.accounts.services import audit

        audit(actor=actor, action=WRITE_FAILED, object_type="private_file", object_id=str(relative)[:64],
              scope_path=scope_path, error=type(exc).__name__, errno=exc.errno)
    except DatabaseError:  # the log line above is then all there is
        logger.exception("private storage: cannot audit the failed write of %s", relative)
    return PrivateStorageError()


def _ensure_dir(relative_dir: Path) -> Path:
    """Create root/relative_dir and every directory on the way 0700; tighten those of ours
    an older release left open (one stat per level)."""
    base = root()
    chain = [base] + [base.joinpath(*relative_dir.parts[:depth]) for depth in range(1, len(relative_dir.parts) + 1)]
    for directory in chain:
        try:
            directory.mkdir(mode=DIR_MODE, parents=directory is base)
        except FileExistsError:
            found = directory.stat()
            if not stat.S_ISDIR(found.st_mode):
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory)) from None
            if found.st_mode & 0o077 and found.st_uid == os.geteuid():
                directory.chmod(DIR_MODE)
    return chain[-1]


def ensure_dir(relative_dir: str | Path, *, actor: Any = None, scope_path: str = "") -> Path:
    """The directory root/relative_dir, created 0700 when missing; PrivateStorageError when it cannot be."""
    relative = _relative(relative_dir)
    try:
        return _ensure_dir(relative)
    except OSError as exc:
        raise _failed(relative, exc, actor, scope_path) from exc


@contextlib.contextmanager
def open_for_write(relative_path: str | Path, *, actor: Any = None, scope_path: str = "") -> Iterator[IO[bytes]]:
    """A binary file to write root/relative_path through: 0600, in place only when the block
    ends without an exception (atomic rename). An OSError in the block (a full disk while
    writing) is a storage failure too; any other exception removes the temporary file and
    goes on up."""
    relative = _relative(relative_path)
    try:
        directory = _ensure_dir(relative.parent)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=relative.name + ".", suffix=".part")
    except OSError as exc:
        raise _failed(relative, exc, actor, scope_path) from exc
    temp_path = Path(temp)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temp_path, directory / relative.name)
    except OSError as exc:
        temp_path.unlink(missing_ok=True)
        raise _failed(relative, exc, actor, scope_path) from exc
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def write_bytes(relative_path: str | Path, content: bytes, *, actor: Any = None, scope_path: str = "") -> Path:
    """Write `content` to root/relative_path (0600, atomic); returns the absolute path."""
    with open_for_write(relative_path, actor=actor, scope_path=scope_path) as out:
        out.write(content)
    return root() / _relative(relative_path)


def mkstemp(relative_dir: str | Path, *, prefix: str, actor: Any = None, scope_path: str = "") -> tuple[int, str]:
    """`tempfile.mkstemp` (0600) in root/relative_dir, created 0700 when missing."""
    relative = _relative(relative_dir)
    try:
        return tempfile.mkstemp(dir=_ensure_dir(relative), prefix=prefix)
    except OSError as exc:
        raise _failed(relative, exc, actor, scope_path) from exc


def move_into(source: str | Path, relative_path: str | Path, *, actor: Any = None, scope_path: str = "") -> Path:
    """Rename a file already in the private storage (a finished temporary file) to
    root/relative_path, creating its directory 0700; the file keeps its 0600."""
    relative = _relative(relative_path)
    try:
        target = _ensure_dir(relative.parent) / relative.name
        os.replace(source, target)
    except OSError as exc:
        raise _failed(relative, exc, actor, scope_path) from exc
    return target
