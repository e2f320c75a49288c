from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("figures/", views.figures, name="figures"),
    path("insights/", views.dashboard, name="dashboard"),
]
