"""GET /: where things are, for whoever opens the server's address first."""

from django.http import JsonResponse
from django.urls import reverse


def api_index(request):
    links = {
        "docs": reverse("docs"),
        "schema": reverse("schema"),
        "models": reverse("model-list"),
        "admin": reverse("admin:index"),
        "health": reverse("healthz"),
    }
    return JsonResponse(
        {
            "name": "StoryCraft API",
            "links": {name: request.build_absolute_uri(path) for name, path in links.items()},
        }
    )
