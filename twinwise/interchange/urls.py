from django.urls import path

from . import views
from .exporters import OPEN_DATA_FILES

app_name = "interchange"
urlpatterns = [
    path("open-data/", views.open_data, name="open_data"),
    *(
        path(
            f"open-data/{name}",
            views.open_data_download,
            {"name": name},
            name=f"open_data_{file.fmt}",
        )
        for name, file in OPEN_DATA_FILES.items()
    ),
]
