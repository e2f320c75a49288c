"""`twinwise token create USERNAME [--name NAME]`: print a new API token for that user."""

from django.utils import timezone

from twinwise.access.actors import Actor
from twinwise.accounts.models import User
from twinwise.accounts.services import api_token_create
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand

ACTIONS = ("create",)


class Command(TwinwiseCommand):
    help = (
        "Create an API token for a user and print it (only this once; it is stored as a hash). "
        "Send it as `Authorization: Bearer …`. The user sees and revokes it on their tokens page."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", help="create")
        parser.add_argument("username")
        parser.add_argument(
            "--name", help="what the token is for (default: command line and the date)"
        )

    def run(self, *args, action, username, name, **options):
        if action not in ACTIONS:
            raise UserFacingError(f"unknown action {action!r}; use: create")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise UserFacingError(f"there is no user {username!r}")
        if not user.is_active:
            raise UserFacingError(f"the account {username!r} is deactivated")
        if name is None:
            name = f"command line {timezone.localdate():%Y-%m-%d}"
        _token, raw = api_token_create(actor=Actor.operator(), user=user, name=name)
        self.stdout.write(raw)
