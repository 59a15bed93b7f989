"""Real media for emulated jobs: an H.264 MP4, a WebP thumbnail and a JPEG spritesheet.

Each file is encoded once per (look, size, seconds, output settings) into the cache
directory and then streamed from disk, so a large file never sits whole in memory.
The look (colours, direction of motion) comes from a hash of the prompt: the same
prompt always gives the same bytes. An order that starts from a picture (`input_reference`,
a `first_frame`) gets a video whose first frame is that picture scaled to the size, the
moving box drawn over it in the frames after.
"""

import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from sora_emulator.config import EmulatorSettings

CONTENT_TYPES = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
SPRITESHEET_TILES = 4

# A picture may be at most this many pixels a side (decompression bombs are refused).
MAX_PICTURE_SIDE = 8192
PICTURE_FORMATS = ("png_pipe", "jpeg_pipe", "webp_pipe")

_locks_guard = threading.Lock()
_locks: dict[Path, threading.Lock] = {}


class PictureError(ValueError):
    """The bytes are not a picture the emulator takes."""


def decode_picture(data: bytes) -> av.VideoFrame:
    """The picture in PNG, JPEG or WebP bytes (its size checked before decoding)."""
    try:
        with av.open(io.BytesIO(data)) as container:
            if container.format.name not in PICTURE_FORMATS or not container.streams.video:
                raise PictureError("not a PNG, JPEG or WebP picture")
            context = container.streams.video[0].codec_context
            if max(context.width, context.height) > MAX_PICTURE_SIDE:
                raise PictureError(
                    f"the picture is {context.width}x{context.height}; "
                    f"at most {MAX_PICTURE_SIDE} px a side"
                )
            return next(container.decode(video=0))
    except PictureError:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError):
        raise PictureError("not a PNG, JPEG or WebP picture") from None


def picture_size(data: bytes) -> str:
    frame = decode_picture(data)
    return f"{frame.width}x{frame.height}"


def store_picture(data: bytes, settings: EmulatorSettings) -> str:
    """Keep a picture among the cached files; its name (sha256) for `media_file`."""
    name = hashlib.sha256(data).hexdigest()
    path = Path(settings.cache_dir) / "pictures" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    return name


def _picture_planes(name: str, width: int, height: int, settings) -> list[bytes]:
    """The stored picture scaled to the size, as yuv420p planes padded to a new frame's
    line sizes."""
    data = (Path(settings.cache_dir) / "pictures" / name).read_bytes()
    picture = decode_picture(data)
    # Pictures are full range (JPEG's yuvj, or RGB); H.264's yuv420p is limited (MPEG) range:
    # say so, or swscale copies full-range levels and players stretch them again.
    full = picture.format.name.startswith("yuvj") or picture.color_range == 2
    scaled = picture.reformat(
        width,
        height,
        "yuv420p",
        src_color_range="JPEG" if full else None,
        dst_color_range="MPEG",
    )
    target = av.VideoFrame(width, height, "yuv420p")
    planes = []
    for source, plane in zip(scaled.planes, target.planes, strict=True):
        raw = bytes(source)
        pad = bytes(plane.line_size - plane.width)
        rows = (
            raw[row * source.line_size : row * source.line_size + plane.width] + pad
            for row in range(plane.height)
        )
        planes.append(b"".join(rows))
    return planes


@dataclass(frozen=True)
class Look:
    background: tuple[int, int, int]  # Y, U, V
    foreground: tuple[int, int, int]
    direction: int  # 0 right, 1 down, 2 left, 3 up

    @classmethod
    def from_prompt(cls, prompt: str) -> "Look":
        digest = hashlib.sha256(prompt.encode()).digest()
        hue = digest[0] % 12
        chroma = [(64, 192), (96, 96), (192, 64), (160, 200), (200, 160), (90, 170)]
        u, v = chroma[hue % len(chroma)]
        return cls(
            background=(40 + 8 * (hue % 4), u, v),
            foreground=(220 - 10 * (hue % 3), 255 - u, 255 - v),
            direction=digest[1] % 4,
        )

    @property
    def key(self) -> str:
        return f"{self.background}{self.foreground}{self.direction}"


def _plane_bytes(
    width: int, height: int, stride: int, bg: int, fg: int, box: tuple[int, int, int, int]
) -> bytes:
    """One plane: a flat background with a filled box, rows padded to the plane's stride."""
    x, y, box_w, box_h = box
    pad = bytes(stride - width)
    plain = bytes([bg]) * width + pad
    with_box = bytes([bg]) * x + bytes([fg]) * box_w + bytes([bg]) * (width - x - box_w) + pad
    return plain * y + with_box * box_h + plain * (height - y - box_h)


def _box(look: Look, width: int, height: int, index: int, count: int) -> tuple[int, int, int]:
    """Where the moving box is in this frame: x, y and its side."""
    side = max(2, (min(width, height) // 4) & ~1)
    travel = index / max(1, count - 1)
    span_x, span_y = width - side, height - side
    if look.direction == 0:
        x, y = int(span_x * travel), span_y // 2
    elif look.direction == 1:
        x, y = span_x // 2, int(span_y * travel)
    elif look.direction == 2:
        x, y = int(span_x * (1 - travel)), span_y // 2
    else:
        x, y = span_x // 2, int(span_y * (1 - travel))
    return x & ~1, y & ~1, side


def _frame(look: Look, width: int, height: int, index: int, count: int, fmt: str) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, fmt)
    x, y, side = _box(look, width, height, index, count)
    for number, plane in enumerate(frame.planes):
        scale = 1 if number == 0 else 2
        box = (x // scale, y // scale, side // scale, side // scale)
        plane.update(
            _plane_bytes(
                plane.width,
                plane.height,
                plane.line_size,
                look.background[number],
                look.foreground[number],
                box,
            )
        )
    return frame


def _frame_on(
    look: Look, picture: list[bytes], width: int, height: int, index: int, count: int
) -> av.VideoFrame:
    """The picture, and from the second frame on the moving box over it."""
    frame = av.VideoFrame(width, height, "yuv420p")
    x, y, side = _box(look, width, height, index, count)
    for number, (plane, base) in enumerate(zip(frame.planes, picture, strict=True)):
        if index == 0:
            plane.update(base)
            continue
        scale = 1 if number == 0 else 2
        data = bytearray(base)
        left, size = x // scale, side // scale
        box_row = bytes([look.foreground[number]]) * size
        for row in range(y // scale, y // scale + size):
            start = row * plane.line_size + left
            data[start : start + size] = box_row
        plane.update(bytes(data))
    return frame


def _encode_mp4(
    path: Path, look: Look, width: int, height: int, seconds: int, settings, picture=None
) -> None:
    fps = settings.fps
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        options = {"preset": "ultrafast"}
        if settings.bitrate_kbps:
            rate = f"{settings.bitrate_kbps}k"
            options.update(
                {
                    "b": rate,
                    "minrate": rate,
                    "maxrate": rate,
                    "bufsize": rate,
                    "x264-params": "nal-hrd=cbr:force-cfr=1",
                }
            )
        else:
            options["crf"] = str(settings.crf)
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if settings.bitrate_kbps:
            stream.bit_rate = settings.bitrate_kbps * 1000
        count = fps * seconds
        for index in range(count):
            if picture is not None:
                frame = _frame_on(look, picture, width, height, index, count)
            else:
                frame = _frame(look, width, height, index, count, "yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def _encode_image(path: Path, frame: av.VideoFrame, fmt: str, codec: str) -> None:
    options = {"update": "1"} if fmt == "image2" else {}
    with av.open(str(path), "w", format=fmt, options=options) as container:
        stream = container.add_stream(codec, rate=1)
        stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, frame.format.name
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode())


def _spritesheet_frame(look: Look, width: int, height: int) -> av.VideoFrame:
    """Tiles of evenly spaced moments side by side, each a quarter of the frame size."""
    tile_w, tile_h = (width // 4) & ~1, (height // 4) & ~1
    tiles = [
        _frame(look, tile_w, tile_h, index, SPRITESHEET_TILES, "yuvj420p")
        for index in range(SPRITESHEET_TILES)
    ]
    sheet = av.VideoFrame(tile_w * SPRITESHEET_TILES, tile_h, "yuvj420p")
    for number, plane in enumerate(sheet.planes):
        sources = [(bytes(tile.planes[number]), tile.planes[number]) for tile in tiles]
        rows = []
        for row in range(plane.height):
            line = b"".join(
                data[row * source.line_size : row * source.line_size + source.width]
                for data, source in sources
            )
            rows.append(line + bytes(plane.line_size - len(line)))
        plane.update(b"".join(rows))
    return sheet


def media_file(
    prompt: str,
    size: str,
    seconds: int,
    variant: str,
    settings: EmulatorSettings,
    first_frame: str | None = None,
) -> Path:
    """The cached file for this variant, encoded on first use (one encoder per file).

    `first_frame` names a stored picture (`store_picture`) the video starts on."""
    look = Look.from_prompt(prompt)
    width, height = (int(part) for part in size.split("x"))
    recipe = f"{look.key}|{size}|{seconds}|{settings.fps}|{settings.crf}|{settings.bitrate_kbps}"
    if first_frame is not None:
        recipe += f"|{first_frame}"
    name = hashlib.sha256(f"{variant}|{recipe}".encode()).hexdigest()[:24]
    suffix = {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}[variant]
    path = Path(settings.cache_dir) / f"{name}{suffix}"
    if path.exists():
        return path
    with _locks_guard:
        lock = _locks.setdefault(path, threading.Lock())
    with lock:
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=suffix)
        os.close(handle)
        try:
            picture = _picture_planes(first_frame, width, height, settings) if first_frame else None
            if variant == "video":
                _encode_mp4(Path(temporary), look, width, height, seconds, settings, picture)
            elif variant == "thumbnail":
                if picture is not None:
                    frame = _frame_on(look, picture, width, height, 0, 1)
                else:
                    frame = _frame(look, width, height, 0, 1, "yuv420p")
                _encode_image(Path(temporary), frame, "webp", "libwebp")
            else:
                _encode_image(
                    Path(temporary), _spritesheet_frame(look, width, height), "image2", "mjpeg"
                )
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path
