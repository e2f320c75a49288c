from django.urls import path

from . import attachments, list_views, views

app_name = "cases"
urlpatterns = [
    path("cases/", list_views.case_list, name="list"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="edit"),
    path("cases/<int:pk>/comments/", views.case_comment, name="comment"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw_view, name="withdraw"),
    path("cases/<int:pk>/moderate/", views.case_moderate_view, name="moderate"),
    path("cases/<int:pk>/attachments/", attachments.attachment_upload, name="attachment_upload"),
    path("cases/attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path("cases/moderation/", views.case_moderation, name="moderation"),
    path("cases/audit/", views.case_audit, name="audit"),
    path("cases/audit.csv", views.case_audit_export, name="audit_export"),
    # htmx pieces of the report form
    path("cases/form/sharing/", views.case_sharing, name="sharing"),
    path("cases/form/recipients/", views.case_recipient_search, name="recipient_search"),
    path("cases/form/partnerships/", views.case_partnership_search, name="partnership_search"),
]
