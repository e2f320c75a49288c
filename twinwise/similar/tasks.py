"""Background tasks (django.tasks, database backend: `twinwise db_worker` runs them)."""

from django.tasks import task

from twinwise.access.actors import Actor

from .services import embeddings_compute

WORKER = Actor.operator("embedding-worker")


@task
def embed_case(case_id: int) -> int:
    """Compute (or refresh) one case's embedding after it was saved."""
    return embeddings_compute(actor=WORKER, case_ids=[case_id])
