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
    """Split a daily or weekly digest run into batches, one task each (workers share them)."""
    batches = services.digest_batches(frequency=frequency)
    for user_ids in batches:
        send_digest_batch.enqueue(frequency, user_ids)
    return len(batches)


@task
def send_digest_batch(frequency: str, user_ids: list[int]) -> int:
    """Email the due digests of up to 200 people."""
    return services.digest_batch_send(frequency=frequency, user_ids=user_ids)
