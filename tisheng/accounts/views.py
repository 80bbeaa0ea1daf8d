# Placeholder views so the URLconf loads while this module is being written.
from django.http import Http404


def login_view(request):
    raise Http404


logout_view = audit_log = login_view
