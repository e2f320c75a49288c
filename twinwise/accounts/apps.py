from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "twinwise.accounts"
    label = "accounts"
