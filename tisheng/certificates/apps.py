from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "tisheng.certificates"
