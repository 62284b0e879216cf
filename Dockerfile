# The newsbrief bot as a container image. Settings come from the environment at run time (see
# .env.example and compose.yaml): nothing secret is copied in (.dockerignore leaves .env out).
#
#   docker build -t newsbrief .
#   docker run --env-file .env -v newsbrief-data:/app/data newsbrief

FROM python:3.11-slim AS build
WORKDIR /src
# Only what the wheel is built from: the package's metadata and its two packages.
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The wheel is mounted from the build stage rather than copied, so it leaves no layer behind (a
# BuildKit mount: Docker's default builder since 23.0, and Podman's). Its dependencies come from the
# package index, every compiled one as a manylinux wheel: the slim image needs no compiler.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir /wheels/*.whl

RUN useradd --system --user-group --create-home --no-log-init newsbrief
WORKDIR /app
# DATA_DIR (the command-sync hash) and the default SQLite file (data/newsbrief.db) are relative to the
# working folder, so both land in /app/data. It is made here, owned by the bot's user, so that a named
# volume mounted on it starts with that owner.
RUN mkdir data && chown newsbrief:newsbrief data
VOLUME ["/app/data"]
USER newsbrief

# No HEALTHCHECK yet: /health is served only when METRICS_PORT is set. With it set, the check goes here, e.g.
#   HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:PORT/health')"
# `newsbrief run` stops cleanly on SIGTERM, which `docker stop` sends.
CMD ["newsbrief", "run"]
