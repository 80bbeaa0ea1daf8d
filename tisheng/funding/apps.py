from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "tisheng.funding"
    label = "funding"
