"""QA's pages are QA's: the head, sellers and partners get 403. The review page plays an https
recording and saves a score; a seller reads only their own feedback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from notifications.models import Notification
from quality.models import ChecklistItem, Review
from quality.services import qa_review_score
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.quality.factories import all_answers, pending_review, qa_user, touch
from web.quality.views import recording_src

pytestmark = pytest.mark.django_db

RECORDING = "https://records.example.com/calls/42.mp3"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _qa_pages(review: Review) -> list[tuple[str, str, dict]]:
    return [
        ("get", "/qa/", {}),
        ("get", f"/qa/reviews/{review.pk}/", {}),
        ("post", f"/qa/reviews/{review.pk}/", {f"value_{n}": "yes" for n in range(1, 8)}),
        ("post", "/qa/reviews/add/", {"touch": str(review.touch_id)}),
        ("get", "/qa/checklists/", {}),
        ("post", "/qa/checklists/", {"title_1": "Взлом"}),
    ]


@pytest.mark.parametrize("role", ["head", "manager", "caller", "account_manager", "partner_owner"])
def test_every_qa_page_refuses_everyone_but_qa(role: str) -> None:
    review = pending_review()
    client = _client(UserFactory.create(role=role))

    for method, url, body in _qa_pages(review):
        response = getattr(client, method)(url, body)
        assert response.status_code == 403, f"{role}: {method.upper()} {url}"

    review.refresh_from_db()
    assert review.status == Review.Status.PENDING
    assert Review.objects.count() == 1
    assert ChecklistItem.objects.filter(title="Взлом").count() == 0


@pytest.mark.parametrize("role", ["head", "qa", "partner_owner"])
def test_the_feedback_page_is_for_sellers(role: str) -> None:
    assert _client(UserFactory.create(role=role)).get("/workspace/qa/").status_code == 403


def test_anonymous_goes_to_the_login() -> None:
    response = Client().get("/qa/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_qa_sees_the_queue_and_the_menu_entry() -> None:
    manager = UserFactory.create(role="manager", full_name="Анна Звонкова")
    review = pending_review(manager=manager, outcome="refused")
    client = _client(qa_user())

    html = client.get("/qa/").content.decode()

    assert 'href="/qa/"' in html and "Контроль качества" in html
    assert f"/qa/reviews/{review.pk}/" in html
    assert "Анна Звонкова" in html and "Телефон" in html
    head_html = _client(UserFactory.create(role="head")).get("/head/").content.decode()
    assert 'href="/qa/"' not in head_html


def test_the_review_page_plays_an_https_recording() -> None:
    with_recording = pending_review(recording_url=RECORDING, comment="Клиент думает")
    without = pending_review()
    client = _client(qa_user())

    html = client.get(f"/qa/reviews/{with_recording.pk}/").content.decode()
    assert f'<audio controls preload="none" src="{RECORDING}"' in html
    assert "Клиент думает" in html
    assert html.count('type="radio"') == 7 * 3
    assert "<audio" not in client.get(f"/qa/reviews/{without.pk}/").content.decode()


def test_only_an_https_link_is_played() -> None:
    assert recording_src(RECORDING) == RECORDING
    assert recording_src("http://records.example.com/42.mp3") == ""
    assert recording_src("javascript:alert(1)") == ""
    assert recording_src("") == ""


def test_the_policy_lets_the_page_play_https_media() -> None:
    review = pending_review(recording_url=RECORDING)
    response = _client(qa_user()).get(f"/qa/reviews/{review.pk}/")
    assert "media-src 'self' https:" in response["Content-Security-Policy"]


def test_qa_scores_a_call_on_the_page() -> None:
    review = pending_review()
    client = _client(qa_user())
    body = {f"value_{n}": v for n, v in enumerate(["yes"] * 4 + ["no"] * 2 + ["na"], start=1)}
    body |= {"comment_5": "Не отработал цену", "comment": "В целом хорошо"}

    response = client.post(f"/qa/reviews/{review.pk}/", body)

    assert response.status_code == 302 and response["Location"] == "/qa/"
    review.refresh_from_db()
    assert review.status == "done" and review.score == Decimal("66.67")
    assert review.answers.get(position=5).comment == "Не отработал цену"
    html = client.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "66,67" in html and "Не отработал цену" in html and 'type="radio"' not in html


def test_a_missing_answer_is_shown_and_a_second_score_is_a_409() -> None:
    review = pending_review()
    client = _client(qa_user())
    body = {f"value_{n}": "yes" for n in range(1, 7)}

    response = client.post(f"/qa/reviews/{review.pk}/", {**body, "comment_2": "оставлю"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ответьте на каждый пункт чек-листа." in html and "оставлю" in html

    assert client.post(f"/qa/reviews/{review.pk}/", {**body, "value_7": "no"}).status_code == 302
    again = client.post(f"/qa/reviews/{review.pk}/", {**body, "value_7": "yes"})
    assert again.status_code == 409
    assert "Этот звонок уже оценён." in again.content.decode()


def test_qa_takes_a_call_by_hand() -> None:
    manager = UserFactory.create(role="manager")
    made = touch(manager=manager, comment="Звонок про рассрочку")
    client = _client(qa_user())
    assert "Звонок про рассрочку" in client.get("/qa/").content.decode()

    response = client.post("/qa/reviews/add/", {"touch": str(made.pk)})

    review = Review.objects.get(touch=made)
    assert response.status_code == 302 and response["Location"] == f"/qa/reviews/{review.pk}/"
    assert review.sample_day is None and review.manager == manager
    assert client.post("/qa/reviews/add/", {"touch": "999999"}).status_code == 404


def test_a_seller_reads_only_their_own_feedback_and_it_is_marked_seen() -> None:
    anna, boris = UserFactory.create(role="manager"), UserFactory.create(role="manager")
    qa = qa_user()
    annas = pending_review(manager=anna)
    boris_review = pending_review(manager=boris)
    qa_review_score(
        reviewer=qa,
        review_id=annas.pk,
        answers=all_answers(["yes", "no", "no"] + ["na"] * 4, comment="Перебивали клиента"),
        comment="Анна, слушайте до конца",
    )
    qa_review_score(
        reviewer=qa,
        review_id=boris_review.pk,
        answers=all_answers(["yes"] * 7),
        comment="Борис, отлично",
    )

    response = _client(anna).get("/workspace/qa/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "33,33" in html and "Анна, слушайте до конца" in html and "Перебивали клиента" in html
    assert "Борис, отлично" not in html and html.count('data-testid="my-review"') == 1
    assert 'data-testid="my-review-new"' in html
    annas.refresh_from_db()
    boris_review.refresh_from_db()
    assert annas.seen_at is not None and boris_review.seen_at is None
    # seen: no longer marked new
    assert 'data-testid="my-review-new"' not in _client(anna).get("/workspace/qa/").content.decode()
    # the notification's link opens this page at the review
    link = Notification.objects.get(user=anna, channel="in_app").url
    assert link.endswith(f"/workspace/qa/#review-{annas.pk}")


def test_qa_edits_a_partners_checklist_and_resets_it() -> None:
    school = PartnerFactory.create(name="Код-школа")
    client = _client(qa_user())
    page = client.get(f"/qa/checklists/?partner={school.pk}").content.decode()
    assert "Поприветствовал и представился" in page  # the default shown to start from

    response = client.post(
        "/qa/checklists/",
        {
            "partner": str(school.pk),
            "action": "save",
            "title_1": "Назвал цену",
            "hint_1": "",
            "title_2": "",
            "hint_2": "",
            "title_3": "Предложил рассрочку",
            "hint_3": "Если дорого",
        },
    )

    assert response.status_code == 302
    assert list(
        ChecklistItem.objects.filter(partner=school).values_list("position", "title", "hint")
    ) == [(1, "Назвал цену", ""), (2, "Предложил рассрочку", "Если дорого")]
    assert ChecklistItem.objects.filter(partner__isnull=True).count() == 7

    too_long = client.post(
        "/qa/checklists/", {"partner": str(school.pk), "action": "save", "title_1": "x" * 201}
    )
    assert too_long.status_code == 400
    assert ChecklistItem.objects.filter(partner=school).count() == 2

    client.post("/qa/checklists/", {"partner": str(school.pk), "action": "reset"})
    assert not ChecklistItem.objects.filter(partner=school).exists()


def test_the_review_page_shows_the_other_touches_with_the_buyer() -> None:
    manager = UserFactory.create(role="manager")
    review = pending_review(manager=manager, comment="Второй звонок")
    touch(
        manager=manager,
        item=review.touch.item,
        outcome="no_answer",
        comment="Первый, не дозвонился",
    )
    touch(manager=manager, comment="Чужой покупатель")

    html = _client(qa_user()).get(f"/qa/reviews/{review.pk}/").content.decode()

    assert "Другие касания с этим покупателем" in html and "Первый, не дозвонился" in html
    assert "Чужой покупатель" not in html
