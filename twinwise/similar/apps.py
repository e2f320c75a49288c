from django.apps import AppConfig


class SimilarConfig(AppConfig):
    name = "twinwise.similar"
    label = "similar"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the rules of this app)
