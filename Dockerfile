# StoryCraft web and worker image: `web` (gunicorn with uvicorn workers, the default) or `worker` (qcluster).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    PORT=8000

WORKDIR /app

RUN groupadd --system --gid 10001 storycraft \
    && useradd --system --uid 10001 --gid storycraft --home-dir /app --no-create-home storycraft

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Settings refuse to load with DEBUG off and no real secrets, so collectstatic gets
# throwaway ones that live only for this command and never reach the image.
RUN mkdir -p var/static var/media var/emulator certs \
    && DEBUG=false \
       DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
       JWT_SECRET="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
       python manage.py collectstatic --noinput \
    && chown -R storycraft:storycraft var

USER storycraft

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
