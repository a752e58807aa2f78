"""Page routes: quality (under /qa/, QA's own) and quality_mine (under /workspace/qa/, a
seller's feedback)."""

from django.urls import path

from web.quality import views

qa_urlpatterns = [
    path("", views.QaQueueView.as_view(), name="queue"),
    path("reviews/add/", views.QaReviewAddView.as_view(), name="review-add"),
    path("reviews/<uuid:pk>/", views.QaReviewView.as_view(), name="review"),
    path("checklists/", views.QaChecklistsView.as_view(), name="checklists"),
]

mine_urlpatterns = [
    path("", views.MyFeedbackView.as_view(), name="list"),
]
