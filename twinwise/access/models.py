"""The audit log: every read of a red or amber case and every change to a case."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One audited event. Shown to the admins of `owner` (the case's organisation)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    actor_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="audit_events"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_ref = models.CharField(max_length=250, blank=True)
    action = models.CharField(
        max_length=30
    )  # read, create, update, submit, publish, return, withdraw, comment, attach
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.case_ref}"
