# thaigov-watcher: `docker build -t thaigov-watcher .` then see docker-compose.yml.
# Secrets (TELEGRAM_BOT_TOKEN, SMTP_PASSWORD...) come from the environment at run time only.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    WATCHER_CONFIG=/app/config/watcher.toml \
    WATCHER_DB=/app/state/watcher.db

WORKDIR /app
RUN groupadd --system --gid 10001 watcher \
    && useradd --system --uid 10001 --gid watcher --home-dir /app watcher

COPY pyproject.toml README.md ./
COPY watcher ./watcher
RUN pip install --no-cache-dir .

COPY config ./config
RUN mkdir -p /app/state && chown 10001:10001 /app/state

USER 10001
VOLUME ["/app/state"]

HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["watcher", "health"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["watcher"]
CMD ["run"]
