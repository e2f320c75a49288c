from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "twinwise.api"
    label = "twinwise_api"
