from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "twinwise.core"
    label = "core"
