"""Who is asking: an anonymous visitor, a member user, a moderator or an operator."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The access policy's view of a person. Built once per request or command.

    `organisation_id` is set only for a member user whose sign-in is strong enough to see
    member content (two factors, or an API token created after signing in with two factors);
    otherwise the person sees what an anonymous visitor sees.
    """

    user_id: int | None = None
    username: str = ""
    is_staff: bool = False
    organisation_id: int | None = None
    organisation_verified: bool = False
    is_org_admin: bool = False
    is_moderator: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and not self.is_staff

    @property
    def is_member(self) -> bool:
        return self.organisation_id is not None

    @classmethod
    def anonymous(cls) -> "Actor":
        return cls()

    @classmethod
    def operator(cls, username: str = "command-line") -> "Actor":
        """The person running a management command on the server: an operator."""
        return cls(user_id=None, username=username, is_staff=True)

    @classmethod
    def from_user(cls, user, *, strong: bool = True) -> "Actor":
        """The actor for `user`; with strong=False (no second factor yet) only public sight."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls.anonymous()
        base = {"user_id": user.pk, "username": user.get_username(), "is_staff": user.is_staff}
        if not strong:
            return cls(**base)
        org = getattr(user, "organisation", None)
        return cls(
            **base,
            organisation_id=org.pk if org is not None else None,
            organisation_verified=bool(org and org.verified),
            is_org_admin=bool(org and user.role == "admin"),
            is_moderator=bool(getattr(user, "is_moderator", False)),
        )


def is_strongly_authenticated(request) -> bool:
    """Two factors in this session (django-otp), or a Bearer token (set by the API auth)."""
    if getattr(request, "auth_via_token", False):
        return True
    is_verified = getattr(getattr(request, "user", None), "is_verified", None)
    return bool(is_verified and is_verified())


def actor_for(request) -> "Actor":
    """The actor behind a request (cached on it)."""
    actor = getattr(request, "_twinwise_actor", None)
    if actor is None:
        actor = Actor.from_user(
            getattr(request, "user", None), strong=is_strongly_authenticated(request)
        )
        request._twinwise_actor = actor
    return actor
