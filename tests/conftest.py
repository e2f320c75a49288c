import pytest

from tests import factories


@pytest.fixture
def world(db):
    """A small registry: European, North American and other cities tied to Chinese ones."""
    return factories.small_world()
