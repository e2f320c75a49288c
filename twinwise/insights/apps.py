from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "twinwise.insights"
    label = "insights"
