"""A streaming file response that honours one HTTP Range (Django's FileResponse ignores it)."""

import re
from typing import Literal

from django.http import HttpResponseBase, JsonResponse, StreamingHttpResponse

CHUNK_SIZE = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def _parse_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """(start, end) inclusive; None to serve the whole file; False when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match:
        return None  # multiple or malformed ranges: RFC 9110 lets us send the whole file
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return False
    return start, end


def _read(fileobj, start: int, length: int):
    try:
        fileobj.seek(start)
        while length > 0:
            chunk = fileobj.read(min(CHUNK_SIZE, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        fileobj.close()


def ranged_file_response(request, fileobj, *, size: int, content_type: str, filename: str):
    """Serve `fileobj` (opened from storage) whole (200) or one byte range (206)."""
    header = request.headers.get("Range")
    byte_range = _parse_range(header, size) if header else None
    if byte_range is False:
        fileobj.close()
        response: HttpResponseBase = JsonResponse(
            {"detail": "The range is outside the file.", "code": "range_not_satisfiable"},
            status=416,
        )
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = byte_range or (0, size - 1)
    length = max(end - start + 1, 0)
    response = StreamingHttpResponse(
        _read(fileobj, start, length),
        status=206 if byte_range else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
