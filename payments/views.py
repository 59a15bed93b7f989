from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import selectors, services
from payments.exceptions import TopUpNotFound
from payments.serializers import (
    CreditPackListSerializer,
    TopUpRequestSerializer,
    TopUpSerializer,
)
from storycraft.conditional import conditional_response, content_etag
from storycraft.pagination import NewestFirstCursorPagination
from storycraft.schema import ErrorSerializer, errors, etag_parameters
from videos.idempotency import Answer, answer_once, idempotency_key

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retrying with the same key returns the first answer (the same top-up).",
)


class PackListView(APIView):
    """The credit packs on sale."""

    authentication_classes = []  # public: a stale token must not turn it into a 401
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Credit packs on sale",
        parameters=etag_parameters(200, 304),
        responses={
            200: CreditPackListSerializer,
            304: OpenApiResponse(description="Not modified."),
        },
        auth=[],
    )
    def get(self, request):
        body = CreditPackListSerializer({"results": selectors.active_packs()}).data
        return conditional_response(
            request, etag=content_etag(body), body=lambda: body, cache_control="public, no-cache"
        )


class TopUps(NewestFirstCursorPagination):
    page_size = 20


@extend_schema_view(get=extend_schema(summary="Your top-ups"))
class TopUpListView(ListAPIView):
    """The caller's top-ups, newest first; POST buys a pack."""

    serializer_class = TopUpSerializer
    pagination_class = TopUps

    def get_queryset(self):
        return selectors.top_ups_of(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "owed": self._owed()}

    def _owed(self):
        return selectors.credits_owed_by_top_up(user=self.request.user)

    @extend_schema(
        summary="Buy a credit pack",
        request=TopUpRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: TopUpSerializer,
            **errors(400, 409, 422),
            503: OpenApiResponse(
                ErrorSerializer,
                description="Nothing was created or charged: `payments_not_configured` "
                "(this server sells no credits), `payments_unavailable` (Stripe can't be "
                "reached; retry after `Retry-After` seconds).",
            ),
        },
        description="Starts buying a pack: a pending top-up and its Stripe PaymentIntent. "
        "Confirm it with `client_secret` and `publishable_key` in Stripe's Payment Element; "
        "the credits arrive when Stripe tells the server the payment succeeded.",
    )
    def post(self, request):
        body = TopUpRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pack = body.validated_data["pack"]

        def run() -> Answer:
            top_up = services.create_top_up(user=request.user, pack=pack)
            return Answer(201, TopUpSerializer(top_up).data)

        key = idempotency_key(request, operation="top-up", body={"pack": str(pack.pk)})
        return answer_once(user=request.user, key=key, run=run)


class TopUpDetailView(APIView):
    @extend_schema(summary="One of your top-ups", responses={200: TopUpSerializer, **errors(404)})
    def get(self, request, top_up_id):
        top_up = selectors.top_ups_of(user=request.user).filter(pk=top_up_id).first()
        if top_up is None:
            raise TopUpNotFound()
        owed = selectors.credits_owed_by_top_up(user=request.user)
        return Response(TopUpSerializer(top_up, context={"owed": owed}).data)
