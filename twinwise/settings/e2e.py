"""Browser journeys: the test settings, served by live_server."""

from .test import *  # noqa: F403

DEBUG = False
