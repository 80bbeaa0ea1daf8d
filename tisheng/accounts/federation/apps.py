from django.apps import AppConfig


class AccountsFederationConfig(AppConfig):
    """Signing in through the province identity platform (省教育资源公共服务平台): tisheng as an
    OpenID Connect relying party and a CAS client, and the links between the platform's
    subjects and tisheng accounts."""

    name = "tisheng.accounts.federation"
    label = "accounts_federation"
    default_auto_field = "django.db.models.BigAutoField"
