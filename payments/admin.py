"""Packs and top-ups in the back office. Pack changes land in the admin's history (who,
when, which fields); a support refund is made at Stripe, recorded in the top-up's history
with who and why, and the ledger follows Stripe's word (services.refund_top_up)."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from payments import selectors, services
from payments.forms import RefundForm
from payments.models import CreditPack, StripeEvent, TopUp, TopUpStatus
from storycraft.exceptions import DomainError

RECENT_TOP_UPS = 10


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["name", "credits", "amount", "currency", "active", "position"]
    list_filter = ["active", "currency"]
    search_fields = ["name"]
    ordering = ["position", "amount"]

    def has_delete_permission(self, request, obj=None):
        return False  # sold packs are kept for their top-ups: disable one instead


@admin.register(TopUp)
class TopUpAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "pack",
        "price",
        "status",
        "credits",
        "credits_shortfall",
        "payment_intent",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["user__email", "payment_intent", "=id"]
    list_select_related = ["user", "pack"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in TopUp._meta.fields]
    exclude = ["client_secret"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.readonly_fields if name != "client_secret"]

    def get_urls(self):
        refund = path(
            "<uuid:object_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="payments_topup_refund",
        )
        return [refund, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        top_up = self.get_object(request, object_id)
        refundable = top_up is not None and top_up.status in (
            TopUpStatus.SUCCEEDED,
            TopUpStatus.PARTIALLY_REFUNDED,
        )
        extra = {
            **(extra_context or {}),
            "refund_url": refundable
            and top_up is not None  # for mypy: refundable says so already
            and request.user.has_perm("payments.change_topup")
            and reverse("admin:payments_topup_refund", args=[top_up.pk]),
        }
        return super().change_view(request, object_id, form_url, extra)

    def refund_view(self, request, object_id):
        top_up = get_object_or_404(TopUp.objects.select_related("user", "pack"), pk=object_id)
        if not request.user.has_perm("payments.change_topup"):
            raise PermissionDenied
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                services.refund_top_up(top_up=top_up, staff=request.user, reason=reason)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    [top_up],
                    CHANGE,
                    change_message=f"Refunded at Stripe: {reason}",
                    single_object=True,
                )
                messages.success(request, f"Refunded {top_up.price} at Stripe.")
                return redirect("admin:payments_topup_change", top_up.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund top-up {top_up.pk}",
            "top_up": top_up,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/topup/refund.html", context)


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "type", "id", "payment_intent"]
    list_filter = ["type"]
    search_fields = ["=id", "payment_intent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def top_ups_panel(user) -> str:
    """The user's support page: their recent top-ups and what their wallet owes."""
    owed = selectors.credits_owed_by_top_up(user=user)
    top_ups = selectors.top_ups_of(user=user).order_by("-created_at", "-id")[:RECENT_TOP_UPS]
    return render_to_string(
        "admin/payments/topup/panel.html",
        {
            "top_ups": [(top_up, owed.get(top_up.pk, 0)) for top_up in top_ups],
            "owed": sum(owed.values()),
            "all_url": reverse("admin:payments_topup_changelist") + f"?q={user.email}",
        },
    )
