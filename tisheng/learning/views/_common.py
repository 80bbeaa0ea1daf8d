from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404

from tisheng.programs.models import Program
from tisheng.programs.selectors import whole_staff_first

PAGE_SIZE = 50


def active_programs() -> list[Program]:
    """Programs are the province's, not org-tree data: any signed-in office may pick one. Newest
    first, a track's programs after the whole staff's."""
    return whole_staff_first(Program.objects.filter(status="active").order_by("-start_date", "code"))


def chosen_program(request, programs) -> Program:
    programs = list(programs)
    if not programs:
        raise Http404
    wanted = request.GET.get("program") or request.POST.get("program")
    for p in programs:
        if str(p.pk) == wanted:
            return p
    return programs[0]


def error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def paginate(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return page


def querystring(request, drop=("page",)) -> str:
    q = request.GET.copy()
    for key in drop:
        q.pop(key, None)
    return q.urlencode()
