from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "twinwise.peers"
    label = "peers"
