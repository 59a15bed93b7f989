from django.contrib import admin, messages
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from wallet import services
from wallet.exceptions import HoldBelongsToVideo
from wallet.models import EntryKind, LedgerEntry, Wallet
from wallet.selectors import hold_status, with_resolution_kind


class ReadOnlyAdmin(admin.ModelAdmin):
    """Credits move only through wallet.services; the admin may look, and call services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_move_credits_permission(self, request) -> bool:
        return request.user.has_perm("wallet.move_credits")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["user", "balance", "reserved", "available", "entries_link", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-created_at"]

    @admin.display(ordering=F("balance") - F("reserved"))
    def available(self, wallet: Wallet) -> int:
        return wallet.available

    @admin.display(description="ledger")
    def entries_link(self, wallet: Wallet) -> str:
        url = reverse("admin:wallet_ledgerentry_changelist") + f"?wallet__id__exact={wallet.pk}"
        return format_html('<a href="{}">entries</a>', url)

    def get_list_display(self, request):
        if self.has_move_credits_permission(request):
            return [*self.list_display, "credits_link"]
        return self.list_display

    @admin.display(description="credits")
    def credits_link(self, wallet: Wallet) -> str:
        # One credits form, on the user's page: who moved them and why go on the ledger.
        url = reverse("admin:accounts_user_credits", args=[wallet.user_id])
        return format_html('<a href="{}">grant or deduct</a>', url)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "wallet_user",
        "kind",
        "amount",
        "balance_after",
        "reserved_after",
        "status",
        "created_by",
        "note",
    ]
    list_filter = ["kind"]
    list_select_related = ["wallet__user", "created_by"]
    search_fields = ["wallet__user__email", "=key"]
    show_full_result_count = False
    actions = ["release_holds"]

    def get_queryset(self, request):
        return with_resolution_kind(super().get_queryset(request))

    @admin.display(description="user", ordering="wallet__user__email")
    def wallet_user(self, entry: LedgerEntry) -> str:
        return entry.wallet.user.email

    @admin.display(description="hold status")
    def status(self, entry: LedgerEntry) -> str:
        return hold_status(entry) or ""

    @admin.action(description="Release selected pending holds", permissions=["move_credits"])
    def release_holds(self, request, queryset):
        holds = [entry for entry in queryset if hold_status(entry) == "pending"]
        released = refused = 0
        for hold in holds:
            try:
                # The note is the customer's to read: support, never a person (the entry's
                # created_by and the admin's LogEntry keep who).
                resolution = services.release_hold(
                    hold_id=hold.pk, note="Released by support", staff=request.user
                )
            except HoldBelongsToVideo as refusal:
                refused += 1
                self.message_user(
                    request,
                    format_html(
                        'Entry #{} holds credits for a video: use "Fail and refund" on '
                        '<a href="{}">its job</a> instead, so the job ends with the hold.',
                        refusal.hold_id,
                        reverse("admin:videos_videojob_change", args=[refusal.video_id]),
                    ),
                    messages.ERROR,
                )
                continue
            # A job may have settled the hold meanwhile; then that resolution stands.
            if resolution.kind == EntryKind.RELEASE:
                released += 1
                self.log_change(request, hold, "Released the hold.")
        if released or not refused:
            self.message_user(request, f"Released {released} hold(s).", messages.SUCCESS)
        if skipped := len(queryset) - released - refused:
            self.message_user(
                request, f"Left {skipped} entries that are not pending holds.", messages.WARNING
            )
