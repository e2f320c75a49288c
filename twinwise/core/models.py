"""Shared model pieces."""

from django.db import models


class TimeStampedModel(models.Model):
    """Every record knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """A stamp per data set, renewed by every write; read-side caches key on it.

    One row per name (e.g. "partnerships"). Caches in each web worker compare the stamp
    they were built from with the current one, so a write in any process is seen by all.
    """

    name = models.CharField(max_length=50, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
