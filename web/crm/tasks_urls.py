"""Task pages: the manager's list at /workspace/tasks/, the head's monitor at /head/tasks/."""

from django.urls import URLPattern, path

from web.crm import tasks_views

app_name = "tasks"

urlpatterns: list[URLPattern] = [
    path("", tasks_views.TaskListView.as_view(), name="list"),
    path("<uuid:pk>/done/", tasks_views.TaskDoneView.as_view(), name="done"),
]

head_urlpatterns: list[URLPattern] = [
    path("", tasks_views.TaskMonitorView.as_view(), name="monitor"),
]
