# syntax=docker/dockerfile:1
# Build stage: install the package and its dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install .

# Runtime stage: the virtualenv, the migrations and the default config; nothing else.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin quidprono \
    && mkdir -p /app/data && chown quidprono /app/data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini config.yaml ./
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QUIDPRONO_CONFIG=/app/config.yaml \
    DATABASE_URL=sqlite+aiosqlite:////app/data/quidprono.db
# SQLite lives in this volume; mount your own config over /app/config.yaml (or point QUIDPRONO_CONFIG elsewhere).
VOLUME ["/app/data"]
USER quidprono
# Healthy means: the bot is connected to the gateway and its last write to the database succeeded.
# The running bot rewrites a heartbeat file every 30 s only while both hold; `quidprono health` fails
# when that file is missing, says otherwise, or is older than two minutes.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["quidprono", "health"]
ENTRYPOINT ["quidprono"]
CMD ["run"]
