"""`twinwise digest daily|weekly`: send (or, with --enqueue, queue for the worker) the
email digests that are due. Production runs it from cron or a systemd timer."""

from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.peers import services
from twinwise.peers.tasks import send_digests


class Command(TwinwiseCommand):
    help = (
        "Send the daily or weekly email digests that are due (each checked against the access "
        "policy as it is built). With --enqueue, queue the job for `twinwise db_worker`."
    )

    def add_arguments(self, parser):
        parser.add_argument("frequency", help="daily or weekly")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue it for the background worker"
        )

    def run(self, *args, **options):
        frequency = options["frequency"]
        if frequency not in ("daily", "weekly"):
            raise UserFacingError(
                f"{frequency!r} is not a digest frequency; use daily or weekly",
                field="frequency",
            )
        if options["enqueue"]:
            result = send_digests.enqueue(frequency)
            self.stdout.write(
                f"Queued the {frequency} digests (task {result.id}; it queues one task per "
                "200 people)."
            )
            return
        sent = services.digests_send(frequency=frequency)
        self.stdout.write(f"{sent} {frequency} digest(s) sent.")
