from decimal import Decimal

from catalog import services
from catalog.management.commands._common import CatalogChangeCommand
from catalog.models import Protocol, ProviderEndpoint


class Command(CatalogChangeCommand):
    help = (
        "Add or change a provider endpoint: a service speaking the OpenAI Videos API (the "
        "default protocol) or OpenRouter's video API (--protocol openrouter). Keys stay in "
        "the environment: name the variables that hold them. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. azure, gateway")
        parser.add_argument(
            "--protocol",
            choices=Protocol.values,
            help="how StoryCraft talks to it; new endpoints: openai",
        )
        parser.add_argument(
            "--base-url", help="e.g. https://litellm.internal/v1, https://openrouter.ai/api/v1"
        )
        parser.add_argument("--auth-style", choices=["bearer", "api-key"])
        parser.add_argument("--key-env", help="variable holding the API key, e.g. GATEWAY_API_KEY")
        parser.add_argument(
            "--webhook-secret-env",
            help="variable holding its webhook secret (whsec_...; OpenRouter: its signing secret)",
        )
        parser.add_argument("--connect-timeout", type=float)
        parser.add_argument("--read-timeout", type=float)
        parser.add_argument("--max-retries", type=int)
        parser.add_argument(
            "--margin",
            type=Decimal,
            help="percent over the upstream price that sync_catalog prices new models with "
            "(default: DEFAULT_MARGIN_PERCENT)",
        )
        super().add_arguments(parser)

    def put(self, options):
        return services.put_endpoint(
            name=options["name"],
            protocol=options["protocol"],
            base_url=options["base_url"],
            # OpenRouter takes its key as a Bearer token: nothing to choose.
            auth_style=options["auth_style"]
            or ("bearer" if options["protocol"] == Protocol.OPENROUTER else None),
            api_key_env=options["key_env"],
            webhook_secret_env=options["webhook_secret_env"],
            connect_timeout=options["connect_timeout"],
            read_timeout=options["read_timeout"],
            max_retries=options["max_retries"],
            margin_percent=options["margin"],
        )

    def summary(self, endpoint: ProviderEndpoint, changes: list[str]) -> str:
        return f"Endpoint {endpoint.name}: {', '.join(changes) or 'unchanged'}."

    def endpoint_of(self, endpoint: ProviderEndpoint) -> ProviderEndpoint:
        return endpoint
