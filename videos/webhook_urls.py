from storycraft.routing import route
from videos.webhooks import openai_webhook, openrouter_webhook

urlpatterns = [
    *route("openai", openai_webhook, "openai-webhook"),
    # Every other provider endpoint signs with its own secret, so it has its own URL.
    *route("openai/<slug:endpoint_name>", openai_webhook, "endpoint-webhook"),
    # OpenRouter signs its own way, with each endpoint's signing secret.
    *route("openrouter/<slug:endpoint_name>", openrouter_webhook, "openrouter-webhook"),
]
