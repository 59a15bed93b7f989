from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from storycraft.health import healthz, readyz
from storycraft.index import api_index
from storycraft.routing import route

urlpatterns = [
    path("", api_index, name="index"),
    path("admin/", admin.site.urls),
    path("auth/", include("accounts.urls")),
    path("webhooks/", include("videos.webhook_urls")),
    path("webhooks/", include("payments.webhook_urls")),
    path("wallet", include("wallet.urls")),
    path("wallet", include("payments.urls")),
    path("", include("catalog.urls")),
    path("", include("videos.urls")),
    path("", include("live.urls")),
    *route("healthz", healthz, "healthz"),
    *route("readyz", readyz, "readyz"),
    *route("schema", SpectacularAPIView.as_view(), "schema"),
    *route("docs", SpectacularSwaggerView.as_view(url_name="schema"), "docs"),
]

handler404 = "storycraft.errors.not_found"
handler500 = "storycraft.errors.server_error"
