"""Page routes (notifications); included at /notifications/."""

from django.urls import path

from web.notifications import inbox

app_name = "notifications"

urlpatterns = [
    path("", inbox.InboxView.as_view(), name="inbox"),
    path("bell/", inbox.BellView.as_view(), name="bell"),
    path("read-all/", inbox.MarkAllReadView.as_view(), name="read-all"),
    path("<uuid:pk>/read/", inbox.MarkReadView.as_view(), name="read"),
    path("settings/", inbox.PreferencesView.as_view(), name="settings"),
]
