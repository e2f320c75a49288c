"""`Authorization: Bearer tw_…` for the API (django-ninja).

Use `ApiTokenAuth()` where a token is required (401 without a valid one) and
`OptionalApiTokenAuth()` on public endpoints that show more to a member: no header means
an anonymous visitor, a header with a bad, unknown or revoked token is refused (401) rather
than quietly answered as anonymous.

On success `request.user` is the token's user and `request.auth_via_token` is True, so
`access.actors.actor_for(request)` gives that user member sight (tokens are created on a
page behind two factors, or by an operator).
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import User
from .services import api_token_authenticate


def authenticate_bearer(request: HttpRequest, token: str) -> User | None:
    """Check `token`; on success make the request act as its user."""
    user = api_token_authenticate(token.strip())
    if user is None:
        return None
    request.user = user
    request.auth_via_token = True
    request._twinwise_actor = None  # the actor cache, if anything read it before
    return user


class ApiTokenAuth(HttpBearer):
    """A valid, unrevoked token of an active user is required."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_bearer(request, token)


class _Anonymous:
    """A truthy result for ninja meaning "no token: carry on as the session's user, if any"."""

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()


class OptionalApiTokenAuth(ApiTokenAuth):
    """No Authorization header: anonymous. A Bearer token: it must be valid."""

    def __call__(self, request: HttpRequest):
        if not request.headers.get(self.header):
            return ANONYMOUS
        return super().__call__(request)
