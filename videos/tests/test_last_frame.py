"""The last frame of a stored video is read from a seek near its end: a few frames of
the last keyframe interval, not the whole file."""

import io
from fractions import Fraction

import av
from PIL import Image, ImageStat

from videos.services.pictures import _last_frame

SECONDS, RATE = 6, 10
STEP = 4  # grey levels from one frame to the next
SIZE = (160, 120)


def number_of(image: Image.Image, video: bytes) -> int:
    """Which frame of the video `image` is: the one of the nearest mean grey."""
    with av.open(io.BytesIO(video)) as container:
        greys = [grey_of(frame.to_image()) for frame in container.decode(video=0)]
    assert len(greys) == SECONDS * RATE
    grey = grey_of(image)
    return min(range(len(greys)), key=lambda number: abs(greys[number] - grey))


def numbered_video(*, gop: int) -> bytes:
    """Frame n: grey level n * STEP under noise (noise keeps every frame large, so the
    file is many times what one read takes)."""
    output = io.BytesIO()
    with av.open(output, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.gop_size = gop
        stream.options = {"crf": "10", "bf": "0", "sc_threshold": "0", "keyint_min": str(gop)}
        for number in range(SECONDS * RATE):
            grey = Image.new("L", SIZE, number * STEP)
            picture = Image.blend(grey, Image.effect_noise(SIZE, 60), 0.3).convert("RGB")
            frame = av.VideoFrame.from_image(picture)
            frame.pts, frame.time_base = number, Fraction(1, RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return output.getvalue()


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def grey_of(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


def test_the_last_frame_comes_from_the_last_keyframe_interval_only():
    video = numbered_video(gop=RATE)
    reader = CountingReader(video)
    last = _last_frame(reader)
    assert number_of(last, video) == SECONDS * RATE - 1
    # The last of six one-second intervals (and the index): far from the whole file.
    assert reader.bytes_read < len(video) / 3


def test_a_video_of_one_keyframe_interval_still_gives_its_last_frame():
    video = numbered_video(gop=SECONDS * RATE)
    assert number_of(_last_frame(io.BytesIO(video)), video) == SECONDS * RATE - 1
