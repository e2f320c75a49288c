"""Background tasks (django.tasks, database backend; run by `twinwise db_worker`)."""

from django.tasks import task

from . import services


@task
def case_published(case_id: int) -> int:
    """After a report is shared: link its counterpart, notify watchers, pattern notices."""
    return services.case_published_fanout(case_id=case_id)


@task
def case_commented(comment_id: int) -> int:
    """After a comment: notify the people watching that report who may see it."""
    return services.case_comment_fanout(comment_id=comment_id)


@task
def send_digests(frequency: str) -> int:
    """Email every due daily or weekly digest."""
    return services.digests_send(frequency=frequency)
