"""The persona world, built once for tests/access and rolled back at its end."""

import pytest
from django.db import transaction

from tests.world import build_world, in_memory_storage


@pytest.fixture(scope="package")
def persona_world(django_db_setup, django_db_blocker):
    """`tests.world.build_world()`, shared by the tests of this folder (mark them django_db).

    Tests must not change it; a test that writes does so inside its own transaction (the
    `db` fixture), which is rolled back before the next test.
    """
    with django_db_blocker.unblock(), in_memory_storage(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
