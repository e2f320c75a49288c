from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("surveys/", views.campaign_list, name="list"),
    path("surveys/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("surveys/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("surveys/campaigns/<int:pk>/answer/", views.campaign_answer, name="answer"),
    path("surveys/campaigns/<int:pk>/close/", views.campaign_close, name="close"),
    path("surveys/campaigns/<int:pk>/remind/", views.campaign_remind, name="remind"),
    path("surveys/campaigns/<int:pk>/results/", views.campaign_results, name="results"),
    path(
        "surveys/campaigns/<int:pk>/results.<str:fmt>",
        views.results_export,
        name="results_export",
    ),
    path("surveys/campaigns/<int:pk>/peers/", views.campaign_peers, name="peers"),
    path("surveys/campaigns/<int:pk>/capacity/", views.campaign_capacity, name="capacity"),
    path("surveys/staffing/new/", views.staffing_new, name="staffing_new"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/<slug:slug>/", views.survey_detail, name="survey"),
    path("surveys/<slug:slug>/remove/", views.question_delete, name="question_delete"),
]
