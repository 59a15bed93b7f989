import hashlib
import json

from django.http import HttpResponseBase, HttpResponseNotModified
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import orderable_offers
from catalog.serializers import CatalogSerializer
from catalog.styles import STYLES
from storycraft.conditional import etag_matches
from storycraft.schema import etag_parameters


class ModelListView(APIView):
    """What can be ordered right now: models, their lengths, sizes and prices, and styles."""

    authentication_classes = []  # public: a stale token must not turn it into a 401
    permission_classes = [AllowAny]

    @extend_schema(
        summary="What can be ordered",
        parameters=etag_parameters(200, 304),
        responses={200: CatalogSerializer, 304: OpenApiResponse(description="Not modified.")},
        auth=[],
    )
    def get(self, request):
        body = CatalogSerializer({"results": orderable_offers(), "styles": list(STYLES)}).data
        etag = (
            '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        )
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            response: HttpResponseBase = HttpResponseNotModified()
        else:
            response = Response(body)
        response["ETag"] = etag
        # Revalidate every time: a model enabled in the admin shows at the next look.
        response["Cache-Control"] = "public, no-cache"
        return response
