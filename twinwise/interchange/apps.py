from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "twinwise.interchange"
    label = "interchange"
