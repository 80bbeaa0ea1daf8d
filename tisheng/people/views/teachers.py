# Placeholder views so the URLconf loads while this module is being written.
from django.http import Http404


def _placeholder(request, *args, **kwargs):
    raise Http404


teacher_list = teacher_detail = roster_import = roster_template = roster_import_detail = roster_errors = _placeholder
