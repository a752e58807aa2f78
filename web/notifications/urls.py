"""Page routes (notifications_head); included at /head/notifications/."""

from django.urls import path

from web.notifications import views

app_name = "notifications_head"

urlpatterns = [
    path("", views.HeadNotificationsView.as_view(), name="list"),
    path("<uuid:pk>/resend/", views.HeadNotificationResendView.as_view(), name="resend"),
]
