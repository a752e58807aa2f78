from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import auth_patterns
from accounts.views import HeadHomeView, home
from salesdesk.errors import api_not_found
from salesdesk.health import healthz

handler400 = "salesdesk.errors.handler400"
handler403 = "salesdesk.errors.handler403"
handler404 = "salesdesk.errors.handler404"
handler500 = "salesdesk.errors.handler500"

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("partners.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("sales_queue.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("crm.api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include(auth_patterns)),
    path("accounts/", include("accounts.urls")),
    path("head/", HeadHomeView.as_view(), name="head-home"),
    path("head/sales-department/", include("partners.head_urls")),
    path("head/billing/", include("billing.head_urls")),
    path("head/queue/", include("sales_queue.head_urls")),
    path("cabinet/orders/", include("orders.urls")),
    path("cabinet/billing/", include("billing.urls")),
    path("cabinet/", include("partners.urls")),
    path("workspace/", include("sales_queue.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Unknown API paths answer in the JSON error shape even with DEBUG on.
    re_path(r"^api/", api_not_found),
]

admin.site.site_header = "SalesDesk"
admin.site.site_title = "SalesDesk"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
