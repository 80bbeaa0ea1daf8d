from django.http import JsonResponse


def ping(request):
    """/healthz: the process is up. Touches no database, with or without a session cookie (a
    browser that is signed in sends one): nothing here reads the session or the user, and the
    idle-logout and forced-password-change middleware leave it alone (`idle_timeout_exempt`), so
    it is also the ceiling the heartbeat benchmark is measured against."""
    return JsonResponse({"ok": True})


# The mark accounts.middleware.idle_timeout_exempt sets, set here without importing upward:
# those middleware would otherwise load the session and the user (two queries) to look at them.
ping.idle_timeout_exempt = True
