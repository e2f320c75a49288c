from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("places/<int:pk>/", views.place_detail, name="place"),
]
