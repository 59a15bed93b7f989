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
    # Threaded workers with a long timeout: POST /videos calls the provider inline (up
    # to about a minute with retries) and POST /videos/{id}/pull downloads the MP4, and
    # a sync worker would be killed at 30 s with one slow request blocking all others.
    exec gunicorn storycraft.wsgi \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --worker-class gthread \
      --threads "${GUNICORN_THREADS:-8}" \
      --timeout "${GUNICORN_TIMEOUT:-120}" \
      --graceful-timeout 30 \
      --worker-tmp-dir /dev/shm \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
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
