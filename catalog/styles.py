"""The looks a user can order. Each but `none` adds a described look to the provider prompt."""

STYLE_ADDITIONS: dict[str, str] = {
    "default": (
        "Cinematic, natural lighting, smooth camera movement, balanced colors, sharp focus."
    ),
    "80s": (
        "Styled as a 1980s VHS recording: saturated neon colors, soft analog blur, "
        "slight tracking lines, warm film grain, synthwave mood."
    ),
    "bleach": (
        "Bleach bypass look: desaturated colors, high contrast, silvery highlights, "
        "crushed blacks, gritty texture."
    ),
    "modern": (
        "Clean modern commercial look: bright even lighting, crisp detail, "
        "minimalist composition, subtle shallow depth of field."
    ),
    "none": "",
}
STYLES = tuple(STYLE_ADDITIONS)
DEFAULT_STYLE = "default"


def provider_prompt(prompt: str, style: str) -> str:
    """The prompt sent to the provider: the user's words, then the style's look."""
    addition = STYLE_ADDITIONS[style]
    return f"{prompt}\n\nStyle: {addition}" if addition else prompt
