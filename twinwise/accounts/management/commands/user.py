"""`twinwise user create USERNAME --member SLUG --role officer|admin [--email E] [--password-stdin]`,
`--role moderator` or `--staff` without `--member`; and `twinwise user reset-2fa USERNAME`."""

import sys

from twinwise.access.actors import Actor
from twinwise.accounts.models import User
from twinwise.accounts.services import second_factor_reset, user_create
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand

ACTIONS = ("create", "reset-2fa")
ROLES = ("officer", "admin", "moderator")
# The command-line option behind each field a service names in its error.
OPTION_OF = {
    "member": "--member",
    "role": "--role",
    "email": "--email",
    "password": "--password-stdin",
    "username": "USERNAME",
    None: "user",
}


def _read_password(stream) -> str:
    """One line from standard input (a pipe or a prompt-less terminal), without its newline."""
    password = stream.readline().rstrip("\r\n")
    if not password:
        raise UserFacingError("--password-stdin: no password on standard input")
    return password


class Command(TwinwiseCommand):
    help = (
        "Create a user: a member user (--member SLUG --role officer|admin), a network moderator "
        "(--role moderator) or an operator (--staff). Or remove a user's second factor "
        "(reset-2fa) after a lost phone; they set up a new one when they next sign in."
    )

    def add_arguments(self, parser):
        # action and --role are checked in run(), not by argparse choices, so a bad value
        # gives the one-line error every twinwise command gives.
        parser.add_argument("action", help="create or reset-2fa")
        parser.add_argument("username")
        parser.add_argument("--member", metavar="SLUG", help="the member organisation's slug")
        parser.add_argument("--role", help="officer or admin (with --member), or moderator")
        parser.add_argument("--email", default="", help="the user's email address")
        parser.add_argument(
            "--staff", action="store_true", help="an operator (staff), belonging to no organisation"
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input "
            "(without it the account has no password until `twinwise changepassword USERNAME`)",
        )

    def run(self, *args, action, username, member, role, email, staff, password_stdin, **options):
        if action not in ACTIONS:
            raise UserFacingError(f"unknown action {action!r}; use one of: {', '.join(ACTIONS)}")
        if action == "reset-2fa":
            return self._reset(username)
        if role is not None and role not in ROLES:
            raise UserFacingError(
                f"--role: {role!r} is not a role; use officer, admin or moderator"
            )
        if role == "moderator" and member:
            raise UserFacingError(
                "--role moderator: a network moderator belongs to no organisation; leave out --member"
            )
        if staff and member:
            raise UserFacingError(
                "--staff: an operator belongs to no organisation; leave out --member"
            )
        if member and role is None:
            raise UserFacingError("--member needs --role officer or --role admin")
        password = _read_password(sys.stdin) if password_stdin else None
        try:
            user = user_create(
                actor=Actor.operator(),
                username=username,
                email=email,
                password=password,
                organisation_slug=member,
                role="" if role == "moderator" else (role or ""),
                is_moderator=role == "moderator",
                is_staff=staff,
            )
        except UserFacingError as exc:
            raise UserFacingError(f"{OPTION_OF.get(exc.field, exc.field)}: {exc.message}") from None
        self.stdout.write(f"created {self._describe(user)}")
        if password is None:
            self.stdout.write(
                f"no password set: set one with `twinwise changepassword {user.username}`"
            )

    def _describe(self, user: User) -> str:
        kinds = []
        if user.organisation_id:
            kinds.append(f"{user.role} of {user.organisation.slug}")
        if user.is_moderator:
            kinds.append("network moderator")
        if user.is_staff:
            kinds.append("operator")
        return f"user {user.username} ({', '.join(kinds)})"

    def _reset(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise UserFacingError(f"there is no user {username!r}")
        second_factor_reset(actor=Actor.operator(), user=user)
        self.stdout.write(
            f"removed the second factor of {username}; they set up a new app when they next sign in"
        )
