from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from salesdesk.health import healthz
from web import schema  # noqa: F401  (registers the Bearer auth's OpenAPI description)
from web.accounts.urls import auth_patterns
from web.accounts.views import HeadHomeView, home
from web.crm import deals_urls, tasks_urls
from web.crm import settings_urls as crm_settings_urls
from web.crm import urls as contacts_urls
from web.errors import api_not_found
from web.notifications.telegram_webhook import telegram_webhook
from web.quality import urls as quality_urls
from web.search import SearchView
from web.stats import managers_urls as stats_managers_urls


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """The static icon (hashed name when DEBUG is off), resolved per request, not at import."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


handler400 = "web.errors.handler400"
handler403 = "web.errors.handler403"
handler404 = "web.errors.handler404"
handler500 = "web.errors.handler500"

api_v1 = [
    path("", include("web.accounts.api_urls")),
    path("", include("web.partners.api_urls")),
    path("", include("web.orders.api_urls")),
    path("", include("web.sales_queue.api_urls")),
    path("", include("web.billing.api_urls")),
    path("", include("web.crm.api_urls")),
    path("", include("web.crm.lead_lists_api_urls")),
    path("", include(crm_settings_urls.api_urlpatterns)),
    path("", include("web.crm.deals_api_urls")),
    path("", include("web.crm.tasks_api_urls")),
    path("", include("web.crm.portfolio_api_urls")),
    path("", include("web.crm.leads_api_urls")),
    path("", include("web.stats.partner_api_urls")),
    path("", include("web.stats.managers_api_urls")),
    path("", include("web.accounts.staff_api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the API's JSON, errors).
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include(auth_patterns)),
    path("accounts/", include("web.accounts.urls")),
    path("head/", HeadHomeView.as_view(), name="head-home"),
    path("head/team/", include("web.accounts.staff_urls")),
    path("search/", SearchView.as_view(), name="search"),
    path("head/sales-department/", include("web.partners.head_urls")),
    path("head/billing/", include("web.billing.head_urls")),
    path("head/queue/", include("web.sales_queue.head_urls")),
    path("head/stats/queue/", include("web.stats.queue_urls")),
    path("head/tasks/", include((tasks_urls.head_urlpatterns, "tasks_head"))),
    path("head/deals/", include((deals_urls.head_urlpatterns, "deals_head"))),
    path("head/stages/", include("web.crm.stages_urls")),
    path("head/notifications/", include("web.notifications.urls")),
    path("notifications/", include("web.notifications.inbox_urls")),
    path("forms/", include("web.crm.lead_form_urls")),
    path("telegram/webhook/<str:secret>/", telegram_webhook, name="telegram-webhook"),
    path("head/contacts/", include((contacts_urls.head_urlpatterns, "contacts_head"))),
    path("cabinet/orders/", include("web.orders.urls")),
    path("cabinet/billing/", include("web.billing.urls")),
    path("cabinet/stats/", include("web.stats.partner_urls")),
    path("cabinet/contacts/", include("web.crm.urls")),
    path("cabinet/deal-settings/", include("web.crm.settings_urls")),
    path("cabinet/scripts/", include("web.crm.scripts_urls")),
    path("cabinet/lead-lists/", include("web.crm.lead_lists_urls")),
    path("cabinet/deals/", include((deals_urls.cabinet_urlpatterns, "deals_cabinet"))),
    path("cabinet/lead-lists/<uuid:pk>/import/", include("web.crm.lead_import_urls")),
    path("cabinet/", include("web.partners.urls")),
    path("head/stats/", include((stats_managers_urls.head_urlpatterns, "stats_head"))),
    path("workspace/stats/", include((stats_managers_urls.mine_urlpatterns, "stats_mine"))),
    path("workspace/qa/", include((quality_urls.mine_urlpatterns, "quality_mine"))),
    path("qa/", include((quality_urls.qa_urlpatterns, "quality"))),
    path("workspace/tasks/", include("web.crm.tasks_urls")),
    path("workspace/deals/", include("web.crm.deals_urls")),
    path("workspace/contacts/", include((contacts_urls.seller_urlpatterns, "contacts"))),
    path("portfolio/", include("web.crm.portfolio_urls")),
    path("workspace/", include("web.sales_queue.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Unknown API paths answer in the JSON error shape even with DEBUG on.
    re_path(r"^api/", api_not_found),
]

admin.site.site_header = "SalesDesk"
admin.site.site_title = "SalesDesk"

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
