"""The catalog in the back office: what is sold, where it is sent, at what price.

Every change is written to the admin's history with the old and new values, so "who
changed the price of sora-2, and when" is answered on the object's History page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from catalog.endpoints import connection_of
from catalog.models import (
    DEFAULT_ENDPOINT,
    CatalogModel,
    CatalogSize,
    Protocol,
    ProviderEndpoint,
)


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


class SizesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data["size"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.default_size and self.instance.default_size not in kept:
            raise ValidationError(
                f"The default size {self.instance.default_size} must be one of the sizes below."
            )


class SizeInline(admin.TabularInline):
    model = CatalogSize
    formset = SizesFormSet
    extra = 0
    min_num = 1
    validate_min = True
    fields = ["size", "format", "credits_per_second", "position"]


def _change_lines(form, label: str = "") -> list[str]:
    prefix = f"{label}: " if label else ""
    return [
        f"{prefix}{form.fields[name].label or name} {form.initial.get(name)!r} → "
        f"{form.cleaned_data.get(name)!r}"
        for name in form.changed_data
    ]


@admin.register(CatalogModel)
class CatalogModelAdmin(admin.ModelAdmin):
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
        "can_remix",
        "image_input",
        "updated_at",
    ]
    list_filter = ["enabled", "endpoint", "can_remix", "image_input"]
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
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sizes")

    @admin.display(description="seconds")
    def lengths(self, model: CatalogModel) -> str:
        return ", ".join(str(seconds) for seconds in model.durations)

    @admin.display(description="credits per second")
    def prices(self, model: CatalogModel) -> str:
        return ", ".join(f"{size.size}: {size.credits_per_second}" for size in model.sizes.all())

    def construct_change_message(self, request, form, formsets, add=False):
        """Old → new for every field and size: prices and switches must be traceable."""
        if add:
            sizes = ", ".join(
                f"{size.size} ({size.format}) at {size.credits_per_second}/s"
                for size in form.instance.sizes.all()
            )
            return f"Added {form.instance.model_id}: {sizes}."
        lines = _change_lines(form)
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

    def _switch(self, request, queryset, enabled: bool) -> None:
        verb = "Enabled" if enabled else "Disabled"
        changed = [model for model in queryset if model.enabled != enabled]
        for model in changed:
            model.enabled = enabled
            model.save(update_fields=["enabled", "updated_at"])
            self.log_change(request, model, f"{verb} (enabled {not enabled!r} → {enabled!r}).")
        self.message_user(
            request,
            f"{verb} {len(changed)} model(s).",
            messages.SUCCESS if changed else messages.INFO,
        )

    @admin.action(description="Enable the selected models", permissions=["change"])
    def enable(self, request, queryset):
        self._switch(request, queryset, True)

    @admin.action(
        description="Disable the selected models (jobs in flight finish)", permissions=["change"]
    )
    def disable(self, request, queryset):
        self._switch(request, queryset, False)


@admin.register(ProviderEndpoint)
class ProviderEndpointAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "protocol",
        "effective_url",
        "effective_auth",
        "key",
        "webhooks",
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
        ("created_at", "updated_at"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(model_count=Count("models"))

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
        variable = endpoint.api_key_env or ("OPENAI_API_KEY" if endpoint.is_default else "")
        if not variable:
            return "none sent"
        if endpoint.api_key():
            return f"{variable} is set"
        if endpoint.is_default:
            return "unset: the built-in emulator's key"
        return f"MISSING: {variable} is not set"

    @admin.display(description="webhooks")
    def webhooks(self, endpoint: ProviderEndpoint) -> str:
        return "on" if endpoint.webhook_secret() else "off"

    @admin.display(description="models", ordering="model_count")
    def model_count(self, endpoint) -> int:
        return endpoint.model_count

    @admin.display(description="webhook URL (path)")
    def webhook_url(self, endpoint: ProviderEndpoint) -> str:
        if not endpoint.pk:
            return "—"
        if endpoint.protocol == Protocol.OPENROUTER:
            return f"/webhooks/openrouter/{endpoint.name}"
        return "/webhooks/openai" + ("" if endpoint.is_default else f"/{endpoint.name}")
