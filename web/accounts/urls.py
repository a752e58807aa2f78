from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from web.accounts import signup, views
from web.accounts.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path("tokens/", views.TokensView.as_view(), name="tokens"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
]

# Django's own auth views under their usual (un-namespaced) names, Russian templates.
auth_patterns = [
    path("signup/", signup.SignUpView.as_view(), name="signup"),
    path("signup/sent/", signup.SignUpSentView.as_view(), name="signup-sent"),
    path("signup/resend/", signup.ResendView.as_view(), name="signup-resend"),
    path("confirm/<str:token>/", signup.ConfirmView.as_view(), name="signup-confirm"),
    path("invite/<str:token>/", signup.InvitationAcceptView.as_view(), name="invitation-accept"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(success_url=reverse_lazy("password_reset_done")),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
