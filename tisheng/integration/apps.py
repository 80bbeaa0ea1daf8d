from django.apps import AppConfig
from django.db.models.signals import pre_save


class IntegrationConfig(AppConfig):
    name = "tisheng.integration"

    def ready(self) -> None:
        from oauth2_provider.models import get_application_model

        from tisheng.accounts.federation.services import LINK_ATTRIBUTES
        from tisheng.integration.oidc import refuse_unused_grant_types
        from tisheng.integration.selectors import user_by_platform_id

        pre_save.connect(refuse_unused_grant_types, sender=get_application_model(),
                         dispatch_uid="tisheng.integration.refuse_unused_grant_types")
        # The province identity platform may link its subjects by tisheng's teacher id.
        LINK_ATTRIBUTES["tisheng_id"] = user_by_platform_id
