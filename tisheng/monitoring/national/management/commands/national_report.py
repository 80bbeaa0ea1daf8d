import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tisheng.monitoring.national.report import NoNumbers, national_report, report_validate, report_xlsx
from tisheng.orgs.models import Region
from tisheng.programs.models import Program


class Command(BaseCommand):
    help = ("Write the province's national report (the figures the ministry monitors, aggregates only) for a "
            "program at a date, as JSON (checked against the published schema) or .xlsx.")

    def add_arguments(self, parser):
        parser.add_argument("--program", help="the program code (default: the newest active program)")
        parser.add_argument("--date", help="YYYY-MM-DD: the latest roll-up on or before it (default: today)")
        parser.add_argument("--province", help="the province's division code (default: the only province)")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--output", "-o", help="the file to write (default: standard output, JSON only)")

    def handle(self, *args, program=None, date=None, province=None, format="json", output=None, **options):
        programs = Program.objects.order_by("-pk")
        chosen = programs.filter(code=program).first() if program else \
            programs.filter(status=Program.Status.ACTIVE).first()
        if chosen is None:
            raise CommandError(f"no program {program}" if program else "no active program")
        region = Region.objects.filter(level="province").order_by("path")
        region = region.filter(code=province).first() if province else region.first()
        if region is None:
            raise CommandError(f"no province {province or ''}".strip())
        try:
            on = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD") from exc
        try:
            document = national_report(chosen, on=on, province=region)
        except NoNumbers as exc:
            raise CommandError(f"no numbers for program {chosen.code} on or before {date or 'today'}") from exc
        errors = report_validate(document)
        if errors:
            raise CommandError("the report does not match its schema: " + "; ".join(errors[:5]))
        if format == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs --output FILE")
            Path(output).write_bytes(report_xlsx(document))
        else:
            text = json.dumps(document, ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
        if output:
            t = document["totals"]
            self.stderr.write(f"national_report province={region.code} program={chosen.code} as_of={document['as_of']} "
                              f"to_train={t['teachers_to_train']} completed={t['completed']} -> {output}")
