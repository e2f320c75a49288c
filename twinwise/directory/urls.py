from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("places/<int:pk>/", views.place_detail, name="place"),
    path("counterparts/<int:pk>/", views.counterpart_detail, name="counterpart"),
]
