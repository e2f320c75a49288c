from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "twinwise.access"
    label = "access"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the rules)
