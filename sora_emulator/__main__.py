"""`python -m sora_emulator --port 8001`: run the emulator in the foreground."""

import argparse
import logging
import os

from sora_emulator.catalog import ConfigError, models_from_json
from sora_emulator.config import EmulatorSettings
from sora_emulator.server import make_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sora_emulator",
        description="Emulates OpenAI's Videos API (Sora 2) under /v1 and /openai/v1 (Azure), "
        "and OpenRouter's video API under /api/v1. "
        "Every option falls back to an EMULATOR_* environment variable.",
    )
    parser.add_argument("--host", default=os.environ.get("EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT") or 8001))
    parser.add_argument(
        "--job-seconds", type=float, help="queued to completed (EMULATOR_JOB_SECONDS, 10)"
    )
    parser.add_argument("--webhook-url", help="where to POST signed events (EMULATOR_WEBHOOK_URL)")
    parser.add_argument(
        "--webhook-secret", help="whsec_... signing secret (EMULATOR_WEBHOOK_SECRET)"
    )
    parser.add_argument("--fps", type=int, help="frames per second of the MP4 (EMULATOR_FPS, 12)")
    parser.add_argument("--crf", type=int, help="x264 quality, lower is larger (EMULATOR_CRF, 30)")
    parser.add_argument(
        "--bitrate-kbps",
        type=int,
        help="constant bitrate for big files, 0 = use crf (EMULATOR_BITRATE_KBPS, 0)",
    )
    parser.add_argument("--cache-dir", help="where encoded files are kept (EMULATOR_CACHE_DIR)")
    parser.add_argument(
        "--create-delay", type=float, help="seconds before create answers (EMULATOR_CREATE_DELAY)"
    )
    models = parser.add_mutually_exclusive_group()
    models.add_argument(
        "--models",
        help='the model catalog as JSON: {"model-id": {"seconds": ["4"], "sizes": ["1280x720"], '
        '"aliases": [], "usd_per_second": "0.10", "frame_images": ["first_frame"]}, ...} '
        "(EMULATOR_MODELS; default: Sora 2; fields: sora_emulator/catalog.py)",
    )
    models.add_argument(
        "--models-file",
        help="a file holding that JSON, read again when it changes (EMULATOR_MODELS_FILE)",
    )
    parser.add_argument(
        "--openrouter-webhook-url",
        help="OpenRouter side: where to POST events of jobs without a callback_url "
        "(EMULATOR_OPENROUTER_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--openrouter-webhook-secret",
        help="OpenRouter side: the X-OpenRouter-Signature signing secret "
        "(EMULATOR_OPENROUTER_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--state-dir",
        help="keep jobs here across restarts, and encoded files in its cache/ unless "
        "--cache-dir is given (EMULATOR_STATE_DIR; default: memory only)",
    )
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
    except ConfigError as error:
        parser.error(str(error))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = make_server(args.host, args.port, settings)
    logging.getLogger("sora_emulator").info(
        "Sora emulator on %s, %s and %s (models %s; jobs take %ss, kept %s; webhooks %s; "
        "OpenRouter default callback %s)",
        server.base_url,
        server.azure_base_url,
        server.openrouter_base_url,
        ", ".join(settings.models),
        settings.job_seconds,
        f"in {settings.state_dir}" if settings.state_dir else "in memory",
        settings.webhook_url or "off",
        settings.openrouter_webhook_url or "off",
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.cancel_webhooks()
        server.server_close()


def _settings(args: argparse.Namespace) -> EmulatorSettings:
    models = models_from_json(args.models, "--models") if args.models is not None else None
    return EmulatorSettings.from_env(
        job_seconds=args.job_seconds,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        fps=args.fps,
        crf=args.crf,
        bitrate_kbps=args.bitrate_kbps,
        cache_dir=args.cache_dir,
        create_delay=args.create_delay,
        models=models,
        models_file=args.models_file,
        state_dir=args.state_dir,
        openrouter_webhook_url=args.openrouter_webhook_url,
        openrouter_webhook_secret=args.openrouter_webhook_secret,
    )


if __name__ == "__main__":
    main()
