from django.urls import path

from . import views

app_name = "partnerships"
urlpatterns = [
    # The registry is the front page: most visitors come to look a partnership up.
    path("", views.registry, name="home"),
    path("registry/", views.registry, name="registry"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="detail"),
]
