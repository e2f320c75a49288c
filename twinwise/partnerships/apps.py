from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "twinwise.partnerships"
    label = "partnerships"
