from rest_framework import serializers

from wallet.models import EntryKind, LedgerEntry
from wallet.selectors import hold_status


class WalletSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Credits owned, held ones included.")
    reserved = serializers.IntegerField(help_text="Credits held for videos in progress.")
    available = serializers.IntegerField(help_text="Credits that can be spent now.")


class LedgerEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.values)
    amount = serializers.IntegerField(
        help_text="Signed change to available credits (a hold is negative, its settle 0)."
    )
    status = serializers.SerializerMethodField(
        help_text="For holds: pending, settled or refunded; null for other entries."
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "balance_after",
            "status",
            "video_id",
            "batch_id",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_status(self, entry: LedgerEntry) -> str | None:
        return hold_status(entry)
