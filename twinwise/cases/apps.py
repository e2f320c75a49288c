from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "twinwise.cases"
    label = "cases"

    def ready(self) -> None:
        # The case index (cases/index.py, ADR 0009) must notice every write to a case, its
        # recipients or an organisation's country — from services, imports, the demo, the
        # admin or a test factory alike — so the stamp is renewed on the model signals
        # rather than by each writer remembering to.
        from django.db.models.signals import post_delete, post_save

        from twinwise.accounts.models import Organisation

        from . import index
        from .models import Case, CaseRecipientOrganisation, CaseRecipientUser

        for model in (Case, CaseRecipientOrganisation, CaseRecipientUser):
            post_save.connect(index.case_saved, sender=model, dispatch_uid=f"index-{model}")
            post_delete.connect(index.case_saved, sender=model, dispatch_uid=f"index-d-{model}")
        post_save.connect(index.organisation_saved, sender=Organisation, dispatch_uid="index-org")
