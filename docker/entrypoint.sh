#!/bin/sh
# The image's entry point: `web` (the default), `worker`, `migrate`, or any other command.
set -eu

case "${1:-web}" in
  web)
    # docker compose migrates once in its `migrate` service and turns this off;
    # a plain `docker run` of the image migrates here.
    if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
      python manage.py migrate --noinput
      python manage.py createcachetable
    fi
    # ASGI: uvicorn workers under gunicorn. An open event stream (GET /events) waits on
    # the event loop, not in a thread; sync views (POST /videos calls the provider inline,
    # POST /videos/{id}/pull downloads the MP4) run in threads Django starts per request,
    # so a slow one blocks no other. The timeout only kills a worker whose loop is stuck.
    # Idle connections stay open GUNICORN_KEEPALIVE (75) seconds: longer than the proxy
    # keeps its upstream connections idle (Caddy 60 s), so the proxy never reuses one that
    # web is closing (a 502; gunicorn's 2 s default also raced clients polling every ~2 s).
    # An idle one delays no stop. X-Forwarded-For is believed from TRUSTED_PROXIES only
    # (live.worker enforces the same).
    exec gunicorn storycraft.asgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --worker-class live.worker.UvicornWorker \
      --timeout "${GUNICORN_TIMEOUT:-120}" \
      --keep-alive "${GUNICORN_KEEPALIVE:-75}" \
      --graceful-timeout 30 \
      --worker-tmp-dir /dev/shm \
      --forwarded-allow-ips "${TRUSTED_PROXIES:-}" \
      --access-logfile - \
      --logger-class storycraft.logs.GunicornLogger
    ;;
  worker)
    exec python manage.py qcluster
    ;;
  migrate)
    # Without REDIS_URL the throttles count in a database table: create it with the schema.
    python manage.py migrate --noinput
    exec python manage.py createcachetable
    ;;
  *)
    exec "$@"
    ;;
esac
