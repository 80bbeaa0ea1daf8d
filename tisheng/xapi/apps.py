from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "tisheng.xapi"
