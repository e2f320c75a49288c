from django.urls import path

from . import views

app_name = "peers"
urlpatterns = [
    path("peers/", views.peer_finder, name="finder"),
    path("introductions/", views.introduction_list, name="introductions"),
    path("introductions/new/", views.introduction_new, name="introduction_new"),
    path("introductions/<int:pk>/decide/", views.introduction_decide, name="decide"),
    path("watches/", views.watch_list, name="watches"),
    path("watches/<int:pk>/delete/", views.watch_delete, name="watch_delete"),
    path("watches/digest/", views.digest_setting, name="digest"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="read"),
]
