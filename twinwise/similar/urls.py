from django.urls import path

from . import views

app_name = "similar"
urlpatterns = [
    path("cases/<int:pk>/similar/", views.case_similar, name="case"),
    path("cases/form/similar/", views.draft_hint, name="draft"),
]
