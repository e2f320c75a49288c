from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "twinwise.surveys"
    label = "surveys"

    def ready(self) -> None:
        from twinwise.access import surveys_rules  # noqa: F401  (registers the survey rules)
