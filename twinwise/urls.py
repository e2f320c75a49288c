from django.urls import include, path

urlpatterns = [
    path("", include("twinwise.partnerships.urls")),
    path("", include("twinwise.directory.urls")),
    path("", include("twinwise.insights.urls")),
    path("", include("twinwise.interchange.urls")),
    path("", include("twinwise.accounts.urls")),
    path("", include("twinwise.cases.urls")),
    path("", include("twinwise.similar.urls")),
    path("", include("twinwise.agreements.urls")),
    path("", include("twinwise.peers.urls")),
    path("", include("twinwise.surveys.urls")),
    path("api/v1/", include("twinwise.api.urls")),
]
