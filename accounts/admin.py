from datetime import timedelta
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from payments.admin import top_ups_panel
from videos.models import VideoJob
from wallet import services as wallet_services
from wallet.exceptions import InsufficientCredits, LedgerKeyReused
from wallet.forms import CreditAdjustmentForm
from wallet.selectors import entries_of, hold_status, usage_of, usage_totals, wallet_totals

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _WalletColumns(TypedDict):
    """What UserAdmin.get_queryset annotates each user with."""

    available: int
    wallet_pk: int | None


RECENT_ENTRIES = 20
RECENT_JOBS = 10
USAGE_DAYS = 30
# What makes someone staff, or more powerful: only a superuser may change these.
PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]
# Each panel shows another app's data: only to staff who may view it on its own page.
PANEL_PERMISSIONS = {
    "wallet_panel": "wallet.view_wallet",
    "available_credits": "wallet.view_wallet",
    "usage_panel": "wallet.view_ledgerentry",  # summed from the ledger
    "entries_panel": "wallet.view_ledgerentry",
    "jobs_panel": "videos.view_videojob",
}


def _hidden_panels(request) -> set[str]:
    return {name for name, perm in PANEL_PERMISSIONS.items() if not request.user.has_perm(perm)}


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Deleted"), ("no", "Not deleted")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """A user's page is where support starts: their wallet, ledger and videos in one place."""

    ordering = ["-date_joined"]
    list_display = [
        "email",
        "available_credits",
        "email_verified",
        "account_state",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["email_verified", DeletedFilter, "is_staff", "is_superuser", "is_active"]
    search_fields = ["email"]
    actions = ["resend_verification", "delete_accounts"]
    readonly_fields = [
        "email_verified",
        "deleted_at",
        "date_joined",
        "last_login",
        "wallet_panel",
        "usage_panel",
        "entries_panel",
        "jobs_panel",
        "top_ups_panel",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password", "email_verified", "deleted_at"]}),
        ("Wallet", {"fields": ["wallet_panel", "usage_panel", "entries_panel"]}),
        ("Videos", {"fields": ["jobs_panel"]}),
        ("Top-ups", {"fields": ["top_ups_panel"]}),
        (
            "Permissions",
            {
                "classes": ["collapse"],
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        hidden = _hidden_panels(request)
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [field for field in options["fields"] if field not in hidden]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_list_display(self, request):
        hidden = _hidden_panels(request)
        return [column for column in super().get_list_display(request) if column not in hidden]

    def get_readonly_fields(self, request, obj=None):
        # Read-only fields are left out of the form too, so a forged POST cannot set them.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        # Setting another staff member's password is logging in as them, with their powers.
        powerful = obj is not None and (obj.is_staff or obj.is_superuser)
        if powerful and obj != request.user and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):
        # One LEFT JOIN on the wallet: the changelist's credits column costs no extra query.
        return (
            super()
            .get_queryset(request)
            .annotate(
                available=F("wallet__balance") - F("wallet__reserved"), wallet_pk=F("wallet__id")
            )
        )

    def get_actions(self, request):
        # A user with a ledger can't be removed from the database (its entries are kept
        # forever); "Delete accounts" closes and anonymises them instead.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="account", ordering="deleted_at")
    def account_state(self, user: User) -> str:
        if user.is_deleted:
            return f"deleted {user.deleted_at:%Y-%m-%d}"
        return "active" if user.is_active else "deactivated"

    @admin.action(description="Resend the verification email")
    def resend_verification(self, request, queryset):
        sent = sum(
            account_services.resend_verification_email(user=user)
            for user in queryset.filter(email_verified=False, is_active=True)
        )
        skipped = queryset.count() - sent
        self.message_user(
            request,
            f"Verification email queued for {sent} user(s); "
            f"{skipped} already verified or closed, nothing sent.",
            messages.SUCCESS if sent else messages.WARNING,
        )

    @admin.action(
        description="Delete the selected accounts (anonymise, refund, erase videos)",
        permissions=["delete"],
    )
    def delete_accounts(self, request, queryset):
        """A confirmation page, then what DELETE /auth/me does for each account."""
        users = [
            user
            for user in queryset.filter(deleted_at__isnull=True).order_by("pk")
            if user != request.user and (request.user.is_superuser or not user.is_staff)
        ]
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Delete these accounts?",
                "opts": self.opts,
                "users": users,
                "skipped": queryset.count() - len(users),
                "selected": queryset.values_list("pk", flat=True),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/accounts/user/delete_accounts.html", context)
        for user in users:
            account_services.delete_account(user=user, staff=request.user)
            self.log_change(request, user, "Account deleted (anonymised, videos erased).")
        self.message_user(
            request,
            f"{len(users)} account(s) deleted: signed out, anonymised, jobs in flight "
            "refunded; their videos are being erased.",
            messages.SUCCESS,
        )
        return None

    @admin.display(description="available credits", ordering="available")
    def available_credits(self, user: "WithAnnotations[User, _WalletColumns]"):
        return user.available

    @admin.display(description="wallet")
    def wallet_panel(self, user: User) -> str:
        return render_to_string(
            "admin/accounts/user/wallet_panel.html",
            {
                "totals": wallet_totals(user=user),
                "credits_url": reverse("admin:accounts_user_credits", args=[user.pk]),
            },
        )

    @admin.display(description=f"spending, last {USAGE_DAYS} days")
    def usage_panel(self, user: User) -> str:
        """What GET /wallet/usage?group=model answers the user for the same days."""
        last_day = timezone.localdate()
        rows = usage_of(
            user=user,
            first_day=last_day - timedelta(days=USAGE_DAYS - 1),
            last_day=last_day,
            group="model",
        )
        return render_to_string(
            "admin/accounts/user/usage_panel.html", {"rows": rows, "total": usage_totals(rows)}
        )

    @admin.display(description=f"last {RECENT_ENTRIES} ledger entries")
    def entries_panel(self, user: "WithAnnotations[User, _WalletColumns]") -> str:
        entries = entries_of(user=user).select_related("created_by")[:RECENT_ENTRIES]
        return render_to_string(
            "admin/accounts/user/entries_panel.html",
            {
                "entries": [(entry, hold_status(entry)) for entry in entries],
                "all_url": user.wallet_pk
                and reverse("admin:wallet_ledgerentry_changelist")
                + f"?wallet__id__exact={user.wallet_pk}",
            },
        )

    @admin.display(description=f"last {RECENT_JOBS} video jobs")
    def jobs_panel(self, user: User) -> str:
        jobs = VideoJob.objects.filter(owner=user).order_by("-created_at", "-id")
        return render_to_string(
            "admin/accounts/user/jobs_panel.html",
            {
                "jobs": jobs[:RECENT_JOBS],
                "all_url": reverse("admin:videos_videojob_changelist")
                + f"?owner__id__exact={user.pk}",
            },
        )

    @admin.display(description="recent top-ups")
    def top_ups_panel(self, user: User) -> str:
        return top_ups_panel(user)

    def get_urls(self):
        credits = path(
            "<path:object_id>/credits/",
            self.admin_site.admin_view(self.credits_view),
            name="accounts_user_credits",
        )
        return [credits, *super().get_urls()]

    def credits_view(self, request, object_id):
        """Grant or deduct credits; the reason and the staff member go on the ledger."""
        user = self.get_object(request, object_id)
        if user is None:
            raise Http404("No such user.")
        if not request.user.has_perm("wallet.move_credits"):
            raise PermissionDenied
        form = CreditAdjustmentForm(request.POST or None, initial={"operation": "grant"})
        finished = form.is_valid() and self._adjust_credits(request, user, form.cleaned_data)
        if finished:
            return redirect("admin:accounts_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Grant or deduct credits",
            "subtitle": user.email,
            "opts": self.opts,
            "original": user,
            # The stubs want a ModelForm; the admin's helpers take any form.
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": list(form.fields)})],
                prepopulated_fields={},
                model_admin=self,
            ),
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]  # as above
            "totals": wallet_totals(user=user),
        }
        return TemplateResponse(request, "admin/accounts/user/credits.html", context)

    def _adjust_credits(self, request, user: User, data: dict) -> bool:
        """Move the credits; False when the form should be shown again to fix it."""
        try:
            entry = wallet_services.adjust_credits(
                user=user,
                change=data["change"],
                reason=data["reason"],
                staff=request.user,
                # The form's request id: a double submit records one movement.
                key=f"admin:{data['request_id']}",
            )
        except InsufficientCredits as error:
            self.message_user(request, f"Nothing changed: {error}", messages.ERROR)
            return False
        except LedgerKeyReused:
            # The browser's back button sent an old form again, with other values: the
            # first submission stands, and this form's request id can move nothing more.
            self.message_user(request, CreditAdjustmentForm.RESUBMITTED, messages.ERROR)
            return True
        self.message_user(
            request,
            f"{entry.get_kind_display().capitalize()} of {abs(entry.amount)} credits recorded "
            f"as ledger entry #{entry.pk}.",
            messages.SUCCESS,
        )
        return True

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_move_credits"] = request.user.has_perm("wallet.move_credits")
        return super().render_change_form(request, context, add, change, form_url, obj)
