# Cercle's production image: one image for the web server, the task worker and migrations.
#   docker build -t cercle .
# See docs/deployment.md (compose.yaml runs it with nginx, PostgreSQL, Redis and MinIO).
# Not built on the machine where it was written (no container engine there): see the docs.

# --- Build: a virtualenv with Cercle and its dependencies, translations compiled.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip setuptools wheel
# Dependencies first (cached while only the code changes).
COPY pyproject.toml README.md ./
RUN mkdir -p src/cercle && touch src/cercle/__init__.py \
 && /venv/bin/pip install . \
 && /venv/bin/pip uninstall -y cercle
COPY src ./src
# Compiled message catalogues (.mo) when the sources carry .po files; a build-only secret key so
# that settings load without writing one.
RUN if find src/cercle/locale -name '*.po' 2>/dev/null | grep -q .; then \
      cd src/cercle && SECRET_KEY=build-only CERCLE_VAR_DIR=/tmp/var \
      /venv/bin/django-admin compilemessages --settings=cercle.settings --pythonpath=..; \
    fi \
 && /venv/bin/pip install --no-deps .

# --- Runtime: the virtualenv, an unprivileged user, nothing else.
FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=cercle.settings \
    CERCLE_VAR_DIR=/srv/cercle/var
RUN useradd --system --uid 10001 --user-group --home-dir /srv/cercle cercle \
 && mkdir -p /srv/cercle/var/static /srv/cercle/var/media \
 && chown -R cercle:cercle /srv/cercle
COPY --from=build /venv /venv
USER cercle
WORKDIR /srv/cercle
EXPOSE 8000
# Several workers; they share cache, rate limits and realtime events through REDIS_URL.
# Behind nginx: trust its X-Forwarded-* headers (the container is not reachable from outside).
CMD ["uvicorn", "cercle.asgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--workers", "4", "--proxy-headers", "--forwarded-allow-ips", "*", \
     "--no-server-header", "--timeout-graceful-shutdown", "30", \
     "--ws-per-message-deflate", "false"]
