"""The /api/v1 wiring: one NinjaAPI, one error envelope, each app's router."""

from ninja import NinjaAPI, Swagger

from twinwise.insights.api import router as insights_router
from twinwise.partnerships.api import router as partnerships_router

from . import errors


class Docs(Swagger):
    """ninja's bundled Swagger UI (ninja in INSTALLED_APPS → static files, no CDN) in our own
    page: a language attribute and a title. The page has no inline script or style."""

    template = "api/docs.html"


DESCRIPTION = """The public registry of town twinnings and partnerships with Chinese
counterparts, and its headline figures. Read-only and open: no key needed; only TLP:CLEAR
records are visible without an account.

Every 4xx answer is one envelope: `{"error": {"code", "message", "field"}}` where `code` is
one of `invalid_parameter`, `not_found`, `permission_denied`, `validation_error`,
`method_not_allowed` and `field` names the parameter at fault. Unknown query parameters are
an error. Bulk downloads (CSV, JSON Lines, SQLite) are on /open-data/."""

api = NinjaAPI(
    title="twinwise API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    # The validator badge would load an image from validator.swagger.io: keep everything local.
    docs=Docs(settings={"validatorUrl": None, "defaultModelsExpandDepth": 1}),
)
errors.install(api)
api.add_router("/", partnerships_router)
api.add_router("/", insights_router)
api.add_router("/", "twinwise.cases.api.router")
api.add_router("/", "twinwise.similar.api.router")
api.add_router("/", "twinwise.agreements.api.router")
api.add_router("/", "twinwise.peers.api.router")
api.add_router("/", "twinwise.surveys.api.router")
