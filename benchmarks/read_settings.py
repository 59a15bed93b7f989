"""B1 only: the production settings with a URL module that adds the bare baseline views.

Never used by a deployment; `benchmarks.read` starts gunicorn with it."""

from storycraft.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.read_urls"
