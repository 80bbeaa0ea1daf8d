"""System checks of a production configuration (`tisheng check --deploy`, issue 12).

The development keys are in this repository (or, for the OIDC key, generated into var/ by the
first start): a server running on them lets anyone forge sessions and certificates and decrypt
national IDs. `check --deploy` fails on them (an ERROR, so the command exits non-zero), and
`tisheng serve` refuses to start on them with DEBUG off unless TISHENG_ALLOW_DEV_KEYS=1 says
this is a demo (`make run`, the tests' servers)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

DEV_KEY_ID = "tisheng.E001"
DEV_KEY_HINT = ("Set {name} in the environment (a long random value; see README, 'Production'). The default is "
                "public, in the source code or in var/.")


def development_key_errors() -> list[Error]:
    return [Error(f"{name} is not set: the server would run on a public development key.",
                  hint=DEV_KEY_HINT.format(name=name), id=DEV_KEY_ID)
            for name in settings.DEVELOPMENT_KEYS]


@register(Tags.security, deploy=True)
def check_development_keys(app_configs, **kwargs) -> list[Error]:
    return development_key_errors()
