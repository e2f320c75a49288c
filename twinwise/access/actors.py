"""Who is asking: an anonymous visitor, a member user, a moderator or an operator."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The access policy's view of a person. Built once per request or command."""

    user_id: int | None = None
    username: str = ""
    is_staff: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and not self.is_staff

    @classmethod
    def anonymous(cls) -> "Actor":
        return cls()

    @classmethod
    def operator(cls, username: str = "command-line") -> "Actor":
        """The person running a management command on the server: an operator."""
        return cls(user_id=None, username=username, is_staff=True)

    @classmethod
    def from_user(cls, user) -> "Actor":
        if user is None or not getattr(user, "is_authenticated", False):
            return cls.anonymous()
        return cls(user_id=user.pk, username=user.get_username(), is_staff=user.is_staff)


def actor_for(request) -> Actor:
    """The actor behind a request (cached on it)."""
    actor = getattr(request, "_twinwise_actor", None)
    if actor is None:
        actor = Actor.from_user(getattr(request, "user", None))
        request._twinwise_actor = actor
    return actor
