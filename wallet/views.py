from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from storycraft.pagination import NewestFirstCursorPagination
from storycraft.schema import errors
from wallet import selectors
from wallet.serializers import (
    LedgerEntrySerializer,
    UsageQuerySerializer,
    UsageSerializer,
    WalletSerializer,
)


class WalletView(APIView):
    @extend_schema(summary="Your credits", responses={200: WalletSerializer})
    def get(self, request):
        return Response(WalletSerializer(selectors.wallet_totals(user=request.user)).data)


class NewestFirst(NewestFirstCursorPagination):
    page_size = 50


@extend_schema_view(get=extend_schema(summary="Your ledger entries"))
class TransactionsView(ListAPIView):
    """The caller's ledger entries, newest first."""

    serializer_class = LedgerEntrySerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.entries_of(user=self.request.user)


class UsageView(APIView):
    @extend_schema(
        summary="What you spent, by day or model",
        parameters=[UsageQuerySerializer],
        responses={200: UsageSerializer, **errors(400)},
        description="Credits spent, refunded and still held, per day or per model, from "
        "`from` to `to` (days included, at most 366; default the last 30 days).",
    )
    def get(self, request):
        # A plain dict: from a QueryDict DRF takes `?to=` for no `to` at all, not junk.
        query = UsageQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        first_day, last_day, group = query.validated_data.values()
        rows = selectors.usage_of(
            user=request.user, first_day=first_day, last_day=last_day, group=group
        )
        body = {
            "from": first_day,
            "to": last_day,
            "group": group,
            "results": rows,
            "total": selectors.usage_totals(rows),
        }
        return Response(UsageSerializer(body).data)
