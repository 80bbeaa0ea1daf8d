from django.http import JsonResponse


def ping(request):
    """/healthz: the process is up. Touches no database (no session cookie is read unless one
    is sent), so it is also the ceiling the heartbeat benchmark is measured against."""
    return JsonResponse({"ok": True})
