"""The catalog in the back office: what is sold, where it is sent, at what price.

Every change is written to the admin's history with the old and new values, so "who
changed the price of sora-2, and when" is answered on the object's History page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join

from catalog import pricing, services
from catalog.endpoints import connection_of, unset_key_warning
from catalog.models import (
    DEFAULT_ENDPOINT,
    CatalogModel,
    CatalogSize,
    CatalogSync,
    Protocol,
    ProviderEndpoint,
    SyncChange,
)
from catalog.selectors import latest_syncs, models_sold_below_cost
from storycraft.admin import dashboard_panel


class DurationsField(forms.CharField):
    """Lengths in seconds as the staff type them: "4, 8, 12"."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(seconds) for seconds in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        parts = [part.strip() for part in (value or "").replace(" ", ",").split(",")]
        try:
            durations = sorted({int(part) for part in parts if part})
        except ValueError:
            raise ValidationError("Whole seconds separated by commas, e.g. 4, 8, 12.") from None
        if not durations or not all(1 <= seconds <= 600 for seconds in durations):
            raise ValidationError("At least one length, each from 1 to 600 seconds.")
        return durations


class CatalogModelForm(forms.ModelForm):
    durations = DurationsField(help_text="Seconds, separated by commas: 4, 8, 12.")
    enable_reason = forms.CharField(
        label="reason for enabling",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to enable a model sold below its upstream cost or retired upstream; "
        "kept in its history.",
    )

    class Meta:
        model = CatalogModel
        fields = [
            "model_id",
            "name",
            "enabled",
            "is_default",
            "position",
            "endpoint",
            "upstream_model",
            "durations",
            "default_size",
            "can_remix",
            "image_input",
            "max_prompt_length",
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns; its stub says "or None"
        remix_changed = {"can_remix", "endpoint"} & set(self.changed_data)
        if cleaned.get("can_remix") and cleaned.get("endpoint") and remix_changed:
            try:
                services.check_remix(cleaned["endpoint"])
            except ValidationError as error:
                self.add_error("can_remix", error.message_dict["can_remix"])
        enabling = cleaned.get("enabled") and self.instance.pk and not self.instance.enabled
        if enabling:
            try:  # asked here to show the form again; services.set_enabled decides
                services.check_enabling(self.instance, cleaned.get("enable_reason"))
            except services.ReasonRequired as error:
                self.add_error("enable_reason", error.message_dict["enabled"])
        return cleaned


class SizesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.default_size:
            return  # the model's form says what is missing
        kept = {
            form.cleaned_data["size"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        try:
            services.check_default_size(self.instance.default_size, kept)
        except ValidationError as error:
            raise ValidationError(error.message_dict["default_size"]) from None


class SizeInline(admin.TabularInline):
    model = CatalogSize
    formset = SizesFormSet
    extra = 0
    min_num = 1
    validate_min = True
    fields = [
        "size",
        "format",
        "credits_per_second",
        "sells_at",
        "upstream_usd_per_second",
        "margin",
        "position",
    ]
    readonly_fields = ["sells_at", "upstream_usd_per_second", "margin"]

    @admin.display(description="sells at (USD/s)")
    def sells_at(self, size: CatalogSize) -> str:
        return str(pricing.sell_usd(size.credits_per_second)) if size.pk else "—"

    @admin.display(description="margin over upstream cost")
    def margin(self, size: CatalogSize) -> str:
        return _margin_text(size)


def _margin_text(size: CatalogSize) -> str:
    margin = pricing.margin_percent(
        credits_per_second=size.credits_per_second,
        upstream_usd_per_second=size.upstream_usd_per_second,
    )
    if margin is None:
        return "upstream cost unknown"
    return f"{margin} %" + (" BELOW COST" if margin < 0 else "")


class UpstreamFilter(admin.SimpleListFilter):
    title = "upstream"
    parameter_name = "upstream"

    def lookups(self, request, model_admin):
        return [("retired", "Retired upstream"), ("below_cost", "Sold below upstream cost")]

    def queryset(self, request, queryset):
        if self.value() == "retired":
            return queryset.filter(retired_upstream_at__isnull=False)
        if self.value() == "below_cost":
            return queryset.filter(pk__in=models_sold_below_cost().values("pk"))
        return queryset


def _change_lines(form, label: str = "") -> list[str]:
    prefix = f"{label}: " if label else ""
    return [
        f"{prefix}{form.fields[name].label or name} {form.initial.get(name)!r} → "
        f"{form.cleaned_data.get(name)!r}"
        for name in form.changed_data
    ]


def _warn_if_keyless(request, endpoint: ProviderEndpoint | None) -> None:
    if endpoint is not None and (warning := unset_key_warning(endpoint)):
        messages.warning(request, warning)


class KeyWarningMixin(admin.ModelAdmin):
    """The lists and pages of endpoints and models warn while an endpoint's key variable is
    unset (a save redirects to one of them, so it warns too)."""

    def endpoint_of(self, obj) -> ProviderEndpoint | None:
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            _warn_if_keyless(request, self.endpoint_of(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for endpoint in ProviderEndpoint.objects.exclude(api_key_env=""):
                _warn_if_keyless(request, endpoint)
        return super().changelist_view(request, extra_context)


@admin.register(CatalogModel)
class CatalogModelAdmin(KeyWarningMixin, admin.ModelAdmin):
    form = CatalogModelForm
    inlines = [SizeInline]
    list_display = [
        "model_id",
        "name",
        "enabled",
        "is_default",
        "endpoint",
        "upstream_model",
        "lengths",
        "prices",
        "upstream_state",
        "can_remix",
        "image_input",
        "updated_at",
    ]
    list_filter = ["enabled", UpstreamFilter, "endpoint", "can_remix", "image_input"]
    search_fields = ["model_id", "name", "upstream_model"]
    list_select_related = ["endpoint"]
    actions = ["enable", "disable"]
    fieldsets = [
        (None, {"fields": ["model_id", "name", "enabled", "is_default", "position"]}),
        ("Provider", {"fields": ["endpoint", "upstream_model"]}),
        (
            "What it makes",
            {
                "fields": [
                    "durations",
                    "default_size",
                    "can_remix",
                    "image_input",
                    "max_prompt_length",
                ]
            },
        ),
        ("Upstream", {"fields": ["retired_upstream_at", "upstream_pricing", "enable_reason"]}),
    ]
    readonly_fields = ["retired_upstream_at", "upstream_pricing"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sizes")

    def history_view(self, request, object_id, extra_context=None):
        """The admin's history, and below it what syncs run by no person (the daily
        schedule, manage.py without --by) changed."""
        model = self.get_object(request, object_id)
        changes = []
        if model is not None:
            # The model's endpoint's scheduled runs, read in Python (JSON containment
            # queries are PostgreSQL's only; make run may be on SQLite).
            runs = CatalogSync.objects.filter(
                by__isnull=True, endpoint_id=model.endpoint_id
            ).select_related("endpoint")
            changes = [
                (run.started_at, f"{run.endpoint.name}, {run.via}", change["text"])
                for run in runs[:200]
                for change in run.changes
                if change.get("model") == model.model_id
            ]
        extra_context = {**(extra_context or {}), "schedule_changes": changes}
        return super().history_view(request, object_id, extra_context)

    def endpoint_of(self, model: CatalogModel) -> ProviderEndpoint | None:
        return model.endpoint if model.endpoint_id else None

    @admin.display(description="seconds")
    def lengths(self, model: CatalogModel) -> str:
        return ", ".join(str(seconds) for seconds in model.durations)

    @admin.display(description="credits per second (upstream USD/s, margin)")
    def prices(self, model: CatalogModel) -> str:
        return format_html_join(
            ", ",
            "{}: {} ({}, {})",
            (
                (
                    size.size,
                    size.credits_per_second,
                    pricing.plain(size.upstream_usd_per_second)
                    if size.upstream_usd_per_second is not None
                    else "?",
                    _margin_text(size),
                )
                for size in model.sizes.all()
            ),
        )

    @admin.display(description="upstream", ordering="retired_upstream_at")
    def upstream_state(self, model: CatalogModel) -> str:
        if model.retired_upstream_at:
            return f"retired upstream {model.retired_upstream_at:%Y-%m-%d}"
        return "listed" if model.upstream_pricing else "—"

    def save_model(self, request, obj, form, change):
        if change and "enabled" in form.changed_data:
            obj.enabled = form.initial["enabled"]  # switched by the service in save_related
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The sizes, then an enabling or disabling through the catalog service, so that a
        reason is weighed against the prices as saved."""
        super().save_related(request, form, formsets, change)
        if not change or "enabled" not in form.changed_data:
            return
        try:
            form.cleaned_data["enable_line"] = services.set_enabled(
                model_id=form.instance.model_id,
                enabled=form.cleaned_data["enabled"],
                reason=form.cleaned_data.get("enable_reason"),
            )
        except services.ReasonRequired as refusal:  # the new prices are below cost
            form.changed_data.remove("enabled")
            message = refusal.message_dict["enabled"][0]
            self.message_user(request, f"Saved, but not enabled: {message}", messages.ERROR)

    def construct_change_message(self, request, form, formsets, add=False):
        """Old → new for every field and size: prices and switches must be traceable."""
        if add:
            sizes = ", ".join(
                f"{size.size} ({size.format}) at {size.credits_per_second}/s"
                for size in form.instance.sizes.all()
            )
            return f"Added {form.instance.model_id}: {sizes}."
        lines = [
            form.cleaned_data["enable_line"]
            if name == "enabled" and "enable_line" in form.cleaned_data
            else line
            for name, line in zip(form.changed_data, _change_lines(form), strict=True)
            if name != "enable_reason"
        ]
        for formset in formsets:
            for size_form in formset.forms:
                if not size_form.has_changed() or not size_form.cleaned_data:
                    continue
                size = size_form.cleaned_data.get("size") or size_form.initial.get("size")
                if size_form.cleaned_data.get("DELETE"):
                    lines.append(f"Removed size {size}")
                elif size_form.initial.get("size") is None:
                    lines.append(
                        f"Added size {size} at {size_form.cleaned_data['credits_per_second']}/s"
                    )
                else:
                    lines += _change_lines(size_form, f"size {size}")
        return "; ".join(lines) + "." if lines else "No changes."

    def _switch(self, request, queryset, enabled: bool, reason: str = "") -> None:
        verb = "Enabled" if enabled else "Disabled"
        changed = 0
        for model in queryset:
            try:
                line = services.set_enabled(model_id=model.model_id, enabled=enabled, reason=reason)
            except services.ReasonRequired as refusal:  # repriced since the page was shown
                self.message_user(request, refusal.message_dict["enabled"][0], messages.ERROR)
                continue
            if line:
                self.log_change(request, model, f"{verb} ({line}).")
                changed += 1
        self.message_user(
            request,
            f"{verb} {changed} model(s).",
            messages.SUCCESS if changed else messages.INFO,
        )

    @admin.action(description="Enable the selected models", permissions=["change"])
    def enable(self, request, queryset):
        """Models sold below their upstream cost, or retired upstream, take a reason: the
        action asks for one on a page of its own, then records it in their history."""
        reason = request.POST.get("reason", "").strip()
        needing = {model: services.needs_a_reason(model) for model in queryset}
        needing = {model: why for model, why in needing.items() if why and not model.enabled}
        if needing and not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": "Why enable these models?",
                "opts": self.model._meta,
                "needing": needing.items(),
                "selected": queryset.values_list("pk", flat=True),
                "asked": "post" in request.POST,
            }
            return TemplateResponse(request, "admin/catalog/enable_with_reason.html", context)
        self._switch(request, queryset, True, reason)

    @admin.action(
        description="Disable the selected models (jobs in flight finish)", permissions=["change"]
    )
    def disable(self, request, queryset):
        self._switch(request, queryset, False)


@admin.register(ProviderEndpoint)
class ProviderEndpointAdmin(KeyWarningMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "protocol",
        "effective_url",
        "effective_auth",
        "key",
        "webhooks",
        "margin",
        "model_count",
    ]
    search_fields = ["name", "base_url"]
    readonly_fields = ["webhook_url", "created_at", "updated_at"]
    fields = [
        "name",
        "protocol",
        "base_url",
        "auth_style",
        "api_key_env",
        "webhook_secret_env",
        "webhook_url",
        ("connect_timeout", "read_timeout", "max_retries"),
        "requests_per_minute",
        "margin_percent",
        ("created_at", "updated_at"),
    ]
    actions = ["sync_models"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(model_count=Count("models"))

    def endpoint_of(self, endpoint: ProviderEndpoint) -> ProviderEndpoint:
        return endpoint

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Jobs and webhook URLs name the default endpoint: it keeps its name.
        if obj is not None and obj.name == DEFAULT_ENDPOINT:
            return [*self.readonly_fields, "name"]
        return self.readonly_fields

    @admin.display(description="base URL")
    def effective_url(self, endpoint: ProviderEndpoint) -> str:
        return connection_of(endpoint).base_url

    @admin.display(description="auth")
    def effective_auth(self, endpoint: ProviderEndpoint) -> str:
        return connection_of(endpoint).auth_style

    @admin.display(description="key")
    def key(self, endpoint: ProviderEndpoint) -> str:
        if missing := endpoint.missing_key_variable():
            return f"MISSING: {missing} is not set (its models are not offered)"
        variable = endpoint.api_key_env or ("OPENAI_API_KEY" if endpoint.is_default else "")
        if not variable:
            return "none sent"
        if endpoint.api_key():
            return f"{variable} is set"
        return "unset: the built-in emulator's key"

    @admin.display(description="webhooks")
    def webhooks(self, endpoint: ProviderEndpoint) -> str:
        return "on" if endpoint.webhook_secret() else "off"

    @admin.display(description="margin", ordering="margin_percent")
    def margin(self, endpoint: ProviderEndpoint) -> str:
        """What sync_catalog prices its new models with."""
        shown = f"{pricing.plain(pricing.margin_of(endpoint))} %"
        return shown if endpoint.margin_percent is not None else f"{shown} (default)"

    @admin.display(description="models", ordering="model_count")
    def model_count(self, endpoint) -> int:
        return endpoint.model_count

    @admin.action(
        description="Sync the catalog with the provider's model list", permissions=["change"]
    )
    def sync_models(self, request, queryset):
        for endpoint in queryset:
            sync = services.sync_catalog(endpoint=endpoint, by=request.user, via="admin")
            if not sync.ok:
                self.message_user(
                    request,
                    f"{endpoint}: the model list could not be read: {sync.error}",
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                f"{endpoint}: {sync.listed} listed; {_counts(sync)}.",
                messages.SUCCESS if sync.changes else messages.INFO,
            )

    @admin.display(description="webhook URL (path)")
    def webhook_url(self, endpoint: ProviderEndpoint) -> str:
        if not endpoint.pk:
            return "—"
        if endpoint.protocol == Protocol.OPENROUTER:
            return f"/webhooks/openrouter/{endpoint.name}"
        return "/webhooks/openai" + ("" if endpoint.is_default else f"/{endpoint.name}")


def _counts(sync: CatalogSync) -> str:
    return ", ".join(f"{sync.count(kind)} {label}" for kind, label in SyncChange.choices)


@admin.register(CatalogSync)
class CatalogSyncAdmin(admin.ModelAdmin):
    """Each run of the catalog sync and what it changed (read only)."""

    list_display = ["started_at", "endpoint", "who", "listed", "summary", "error"]
    list_filter = ["endpoint"]
    list_select_related = ["endpoint", "by"]
    readonly_fields = ["endpoint", "started_at", "who", "listed", "error", "changes_list"]
    fields = tuple(readonly_fields)
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="by")
    def who(self, sync: CatalogSync) -> str:
        return sync.who

    @admin.display(description="changes")
    def summary(self, sync: CatalogSync) -> str:
        return _counts(sync) if sync.ok else "failed"

    @admin.display(description="what changed")
    def changes_list(self, sync: CatalogSync) -> str:
        if not sync.changes:
            return "Nothing."
        return format_html_join(
            "", "<p><strong>{}</strong>: {}</p>", ((c["model"], c["text"]) for c in sync.changes)
        )


@dashboard_panel("catalog", caption="Model catalog", permission="catalog.view_catalogmodel")
def catalog_panel() -> list[dict]:
    """Models sold below their upstream cost, and what each endpoint's last sync changed."""
    below = list(models_sold_below_cost().values_list("enabled", flat=True))
    models = reverse("admin:catalog_catalogmodel_changelist")
    rows: list[dict] = [
        {
            "label": "Models sold below upstream cost",
            "help": f"{below.count(True)} of them enabled",
            "count": len(below),
            "url": f"{models}?upstream=below_cost",
        },
        {
            "label": "Margin report",
            "help": "per model and day: credits charged, their value, provider cost",
            "count": None,
            "url": reverse("admin:videos_margin_report"),
        },
    ]
    for sync in latest_syncs():
        state = _counts(sync) if sync.ok else f"FAILED: {sync.error[:120]}"
        rows.append(
            {
                "label": f"Last sync of {sync.endpoint}",
                "help": f"{sync.started_at:%Y-%m-%d %H:%M} by {sync.who}: {state}",
                "count": len(sync.changes),
                "url": reverse("admin:catalog_catalogsync_change", args=[sync.pk]),
            }
        )
    return rows
