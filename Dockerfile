# thaigov-watcher: `docker build -t thaigov-watcher .` then see docker-compose.yml.
# Secrets (TELEGRAM_BOT_TOKEN, SMTP_PASSWORD...) come from the environment at run time only.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLCONFIGDIR=/app/.cache/matplotlib \
    WATCHER_CONFIG=/app/config/watcher.toml \
    WATCHER_DB=/app/state/watcher.db

WORKDIR /app
RUN groupadd --system --gid 10001 watcher \
    && useradd --system --uid 10001 --gid watcher --home-dir /app watcher

# constraints.txt pins every dependency (scripts/lock_constraints.sh writes it): a rebuild
# installs the same versions. The plot and browse extras: charts and Datasette in the image.
COPY pyproject.toml README.md constraints.txt ./
COPY watcher ./watcher
RUN pip install --no-cache-dir -c constraints.txt ".[plot,browse]"

# matplotlib's font list, built once, in a directory it may write. Charts draw Thai in the font
# the package ships (watcher/query/fonts/): no system font package.
RUN mkdir -p /app/.cache/matplotlib /app/state \
    && python -c "import matplotlib.font_manager" \
    && chown -R 10001:10001 /app/.cache /app/state

COPY config ./config

USER 10001
VOLUME ["/app/state"]

# health fails until a first poll completes; on an empty volume that poll finds the site's
# newest id politely (about 100 requests at 1 per second), so give it five minutes.
HEALTHCHECK --interval=60s --timeout=20s --start-period=300s --retries=3 \
    CMD ["watcher", "health"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["watcher"]
CMD ["run"]
