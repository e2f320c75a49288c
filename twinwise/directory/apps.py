from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "twinwise.directory"
    label = "directory"
