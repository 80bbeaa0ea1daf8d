# Placeholder view so the URLconf loads while this module is being written.
from django.http import Http404


def tree(request):
    raise Http404
