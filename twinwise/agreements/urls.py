from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("agreements/check/", views.agreement_check, name="check"),
    path("agreements/save/", views.review_save, name="save"),
    path("agreements/check/report.pdf", views.check_pdf, name="check_pdf"),
    path("agreements/", views.review_list, name="list"),
    path("agreements/<int:pk>/", views.review_detail, name="detail"),
    path("agreements/<int:pk>/drafts/", views.draft_add, name="draft_add"),
    path("agreements/<int:pk>/compare/", views.review_compare, name="compare"),
    path("agreements/<int:pk>/drafts/<int:number>/report.pdf", views.review_pdf, name="pdf"),
    path("agreements/<int:pk>/delete/", views.review_delete, name="delete"),
]
