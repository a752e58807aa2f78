from django.urls import path

from web.crm import tasks_api

urlpatterns = [
    path("tasks/", tasks_api.TaskListApi.as_view(), name="api-tasks"),
    path("tasks/<uuid:pk>/done/", tasks_api.TaskDoneApi.as_view(), name="api-task-done"),
]
