"""People who sign in. A custom user model from the start (Django's advice), so member
organisations, roles and two-factor devices can hang off it without a data migration."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person with an account: network operators now; member officers and admins next."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
