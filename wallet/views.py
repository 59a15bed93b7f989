from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from storycraft.pagination import NewestFirstCursorPagination
from wallet import selectors
from wallet.serializers import LedgerEntrySerializer, WalletSerializer


class WalletView(APIView):
    @extend_schema(responses={200: WalletSerializer})
    def get(self, request):
        return Response(WalletSerializer(selectors.wallet_totals(user=request.user)).data)


class NewestFirst(NewestFirstCursorPagination):
    page_size = 50


class TransactionsView(ListAPIView):
    """The caller's ledger entries, newest first."""

    serializer_class = LedgerEntrySerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.entries_of(user=self.request.user)
