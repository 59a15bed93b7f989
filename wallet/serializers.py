import re
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wallet.models import EntryKind, LedgerEntry
from wallet.selectors import MAX_USAGE_DAYS, USAGE_GROUPS, hold_status

DEFAULT_USAGE_DAYS = 30


class WalletSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Credits owned, held ones included.")
    reserved = serializers.IntegerField(help_text="Credits held for videos in progress.")
    available = serializers.IntegerField(help_text="Credits that can be spent now.")
    owed = serializers.IntegerField(
        help_text="Credits a refunded or disputed payment could not take back: no order "
        "(402 credits_owed) until a purchase or a grant settles them."
    )


class PurchaseSerializer(serializers.Serializer):
    pack = serializers.CharField(help_text="The credit pack's name when it was bought.")
    amount = serializers.IntegerField(help_text="Paid, in the currency's minor unit (cents).")
    currency = serializers.CharField()
    top_up = serializers.UUIDField(help_text="GET /wallet/top-ups/{id}.")


class LedgerEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.values)
    amount = serializers.IntegerField(
        help_text="Signed change to available credits (a hold is negative, its settle 0)."
    )
    status = serializers.SerializerMethodField(
        help_text="For holds: pending, settled or refunded; null for other entries."
    )
    purchase = serializers.SerializerMethodField(
        help_text="For purchases: the pack and what was paid; null for other entries."
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
            "purchase",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_status(self, entry: LedgerEntry) -> str | None:
        return hold_status(entry)

    @extend_schema_field(PurchaseSerializer(allow_null=True))
    def get_purchase(self, entry: LedgerEntry) -> dict | None:
        if entry.kind != EntryKind.PURCHASE or not entry.receipt:
            return None
        return PurchaseSerializer(entry.receipt).data


class StrictDateField(serializers.DateField):
    """YYYY-MM-DD exactly, as the schema's `date` format says (Django alone takes 2026-1-5)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class UsageQuerySerializer(serializers.Serializer):
    """?from=&to=&group= for GET /wallet/usage: a bounded range of days."""

    # "from" is a Python keyword, so the field is declared through the class namespace.
    locals()["from"] = StrictDateField(
        required=False, help_text="First day (YYYY-MM-DD), default: 29 days before `to`."
    )
    to = StrictDateField(required=False, help_text="Last day included, default: today.")
    group = serializers.ChoiceField(choices=USAGE_GROUPS, default="day")

    def validate(self, attrs):
        last_day = attrs.get("to") or timezone.localdate()
        first_day = attrs.get("from") or last_day - timedelta(days=DEFAULT_USAGE_DAYS - 1)
        if first_day > last_day:
            raise serializers.ValidationError({"from": ["`from` must not be after `to`."]})
        if (last_day - first_day).days + 1 > MAX_USAGE_DAYS:
            raise serializers.ValidationError(
                {"from": [f"Ask for at most {MAX_USAGE_DAYS} days at once."]}
            )
        return {"first_day": first_day, "last_day": last_day, "group": attrs["group"]}


def _amount_fields() -> dict[str, serializers.IntegerField]:
    return {
        "spent": serializers.IntegerField(help_text="Credits charged for stored videos."),
        "refunded": serializers.IntegerField(help_text="Credits given back (failed, cancelled)."),
        "held": serializers.IntegerField(help_text="Credits still held for videos in progress."),
        "purchased": serializers.IntegerField(help_text="Credits bought (credit packs paid)."),
    }


class UsageAmountsSerializer(serializers.Serializer):
    locals().update(_amount_fields())


class UsageRowSerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="With group=day.")
    model = serializers.CharField(required=False, help_text="With group=model.")
    locals().update(_amount_fields())


class UsageSerializer(serializers.Serializer):
    locals()["from"] = StrictDateField()
    to = serializers.DateField()
    group = serializers.ChoiceField(choices=USAGE_GROUPS)
    results = UsageRowSerializer(many=True)
    total = UsageAmountsSerializer()
