from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from catalog.selectors import orderable_offers
from catalog.serializers import CatalogSerializer
from catalog.styles import STYLES
from storycraft.conditional import conditional_response, content_etag
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
        # Revalidate every time: a model enabled in the admin shows at the next look.
        return conditional_response(
            request, etag=content_etag(body), body=lambda: body, cache_control="public, no-cache"
        )
