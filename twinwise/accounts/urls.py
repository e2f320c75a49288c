from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/sign-in/", views.SignInView.as_view(), name="login"),
    path("accounts/sign-out/", views.sign_out, name="logout"),
    path("accounts/two-factor/", views.otp_verify, name="otp_verify"),
    path("accounts/two-factor/set-up/", views.otp_setup, name="otp_setup"),
    path("accounts/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("accounts/", views.account, name="account"),
    path("accounts/leave/", views.leave, name="leave"),
    path("accounts/tokens/", views.tokens, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("organisation/members/", views.members, name="members"),
    path("organisation/members/<int:pk>/", views.member_detail, name="member"),
    path(
        "organisation/members/<int:pk>/deactivate/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "organisation/members/<int:pk>/reactivate/",
        views.member_reactivate,
        name="member_reactivate",
    ),
    path("organisation/invite/", views.invite, name="invite"),
    path(
        "organisation/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
