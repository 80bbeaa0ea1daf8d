"""`tisheng import-roster FILE [--dry-run] [--valid-only] [--json] [--as PHONE]`."""

from __future__ import annotations

import json
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.models import User
from tisheng.people.models import RosterImport
from tisheng.people.services.roster_files import RosterFileError, check_size
from tisheng.people.services.roster_import import RosterImportConflict, roster_file_run

NO_SUCH_USER = gettext_noop("No active user with phone %(phone)s")
NO_SUCH_FILE = gettext_noop("No such file: %(path)s")
ROW_ERROR_LINE = gettext_noop("Row %(row)s [%(column)s] %(reason)s")
IMPORTED = gettext_noop("Imported")
PREVIEWED = gettext_noop("Preview (nothing written)")
NOT_IMPORTED = gettext_noop("Not imported: fix the errors or use --valid-only")
SUMMARY = gettext_noop(
    ": %(rows)s rows, %(created)s new, %(updated)s updated, %(transferred)s transferred in, "
    "%(unchanged)s unchanged, %(errors)s errors"
)


class Command(BaseCommand):
    help = (
        "Import a teacher roster (.xlsx or .csv). All-or-nothing unless --valid-only; exits 1 when "
        "row errors prevented (or, with --dry-run, would prevent) the commit, 2 when the file cannot be read, "
        "3 when another import changed the same teachers at the same time (nothing written; run it again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count; write nothing.")
        parser.add_argument("--valid-only", action="store_true", help="Import the valid rows, skip the others.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--as", dest="as_phone", metavar="PHONE",
                            help="Import as this user (their scope); default: the system, whole province.")

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        path: str = options["file"]
        as_json: bool = options["json"]
        actor = None
        if options["as_phone"]:
            actor = User.objects.filter(phone=options["as_phone"], is_active=True).first()
            if actor is None:
                self._fail(as_json, _(NO_SUCH_USER) % {"phone": options["as_phone"]})
        if not os.path.isfile(path):
            self._fail(as_json, _(NO_SUCH_FILE) % {"path": path})
        if options["dry_run"]:
            mode = RosterImport.Mode.DRY_RUN
        elif options["valid_only"]:
            mode = RosterImport.Mode.VALID_ONLY
        else:
            mode = RosterImport.Mode.ALL_OR_NOTHING
        try:
            check_size(os.path.getsize(path))  # before reading a byte of it
            with open(path, "rb") as fh:
                content = fh.read()
            outcome = roster_file_run(actor=actor, content=content, filename=path, mode=mode, record=False)
        except RosterFileError as exc:
            self._fail(as_json, exc.message)
        except RosterImportConflict as exc:
            self._fail(as_json, exc.message, code=3)

        counts = outcome.counts
        errors = [{"row": e.row, "column": e.column, "reason": e.reason} for e in outcome.errors]
        if as_json:
            self.stdout.write(_dumps({"rows": counts.rows, "created": counts.created, "updated": counts.updated,
                                      "transferred": counts.transferred, "errors": errors}))
        else:
            for e in errors:
                self.stderr.write(_(ROW_ERROR_LINE) % e)
            if outcome.sample_rows:
                self.stdout.write(outcome.sample_message())
            if outcome.committed:
                verb = _(IMPORTED)
            elif mode == RosterImport.Mode.DRY_RUN:
                verb = _(PREVIEWED)
            else:
                verb = _(NOT_IMPORTED)
            self.stdout.write(verb + _(SUMMARY) % {
                "rows": counts.rows, "created": counts.created, "updated": counts.updated,
                "transferred": counts.transferred, "unchanged": counts.unchanged, "errors": len(errors),
            })
        # Errors that would stop (or did stop) an all-or-nothing commit make the exit code 1.
        if errors and not outcome.committed and mode != RosterImport.Mode.VALID_ONLY:
            sys.exit(1)

    def _fail(self, as_json: bool, message: str, code: int = 2) -> None:
        """The file (or the actor) is unusable, or another import got in the way: nothing was
        written. Exit code 2 (3 for the other import)."""
        if as_json:
            self.stdout.write(_dumps({"rows": 0, "created": 0, "updated": 0, "transferred": 0,
                                      "errors": [{"row": 0, "column": "", "reason": message}]}))
        else:
            self.stderr.write(message)
        sys.exit(code)


def _dumps(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)
