from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "twinwise.cases"
    label = "cases"
