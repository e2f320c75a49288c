"""`twinwise similar CASE_REF [--k 5] [--format json] [--as USER] [--text "…"]` and
`twinwise similar --backfill [--all]` (INTERCHANGE.md "Similar cases")."""

import json

from django.http import Http404
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.cases.selectors import case_get_by_ref
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.interchange.management.commands.export import actor_named
from twinwise.similar.selectors import DEFAULT_K, case_similar_list, check_k, similar_json
from twinwise.similar.services import embeddings_backfill

FORMATS = ("text", "json")


class Command(TwinwiseCommand):
    help = (
        "The reports most similar to a case (or to a text) that a user may see, best first, "
        "with the reasons. Without --as: what anyone may see (TLP:CLEAR). "
        "--backfill computes the missing embeddings (operators)."
    )

    def add_arguments(self, parser):
        parser.add_argument("case_ref", nargs="?", metavar="CASE_REF", help="id or external_id")
        parser.add_argument("--k", default=str(DEFAULT_K), help="how many results (1-50)")
        parser.add_argument("--format", dest="fmt", default="text", help="text or json")
        parser.add_argument("--as", dest="as_user", metavar="USER", help="answer as this user")
        parser.add_argument("--text", help="describe a situation instead of naming a case")
        parser.add_argument(
            "--backfill", action="store_true", help="embed every case that has no embedding"
        )
        parser.add_argument(
            "--all", dest="everything", action="store_true", help="with --backfill: check all"
        )

    def run(self, *args, case_ref, k, fmt, as_user, text, backfill, everything, **options):
        if backfill:
            if case_ref or text is not None:
                raise UserFacingError("--backfill takes no CASE_REF or --text")
            return self._backfill(everything)
        if fmt not in FORMATS:
            raise UserFacingError(f"--format: {fmt!r} is not a format; use text or json")
        k = check_k(k, field="--k")
        if (case_ref is None) == (text is None):
            raise UserFacingError("name a case (CASE_REF) or give --text, not both")
        actor = actor_named(as_user)
        case = None
        if case_ref is not None:
            try:
                case = case_get_by_ref(actor=actor, ref=case_ref.strip())
            except Http404:
                raise UserFacingError(f"CASE_REF: no case {case_ref!r} that you may see") from None
        try:
            results = case_similar_list(actor=actor, case=case, text=text, k=k)
        except UserFacingError as exc:
            field = {"text": "--text", "k": "--k"}.get(exc.field or "", exc.field)
            raise UserFacingError(exc.message, field=field) from None
        if fmt == "json":
            self.stdout.write(json.dumps(similar_json(case, results), ensure_ascii=False))
            return
        if not results:
            self.stdout.write(_("No similar report that you may see."))
        for rank, r in enumerate(results, 1):
            self.stdout.write(f"{rank}. [{r.id}] {r.item['title']}  ({r.score:.2f})")
            self.stdout.write(f"   {'; '.join(r.why)}")

    def _backfill(self, everything: bool) -> None:
        def progress(report):
            self.stdout.write(
                f"{report.cases:,} cases checked, {report.computed:,} embedded "
                f"({report.per_second:.0f} cases/s)"
            )

        report = embeddings_backfill(
            actor=Actor.operator(), everything=everything, progress=progress
        )
        self.stdout.write(
            f"Done: {report.computed:,} embeddings computed for {report.cases:,} cases in "
            f"{report.seconds:.1f} s ({report.per_second:.0f} cases/s)."
        )
