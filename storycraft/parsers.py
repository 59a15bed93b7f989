"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests more than a few levels; a depth of hundreds is an
# attack on the recursion limit (of the decoder, and of any code that walks the data).
MAX_DEPTH = 32


class BoundedJSONParser(JSONParser):
    """Refuses bodies nested deeper than MAX_DEPTH with a 400 `parse_error`, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return f"JSON parse error - nested deeper than {MAX_DEPTH} levels."


def _depth_exceeds(data, limit: int) -> bool:
    # A walk with its own stack: recursion is what the limit protects against.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in value)
    return False
