# Kosha's image: gunicorn by default; the same image runs the worker (qcluster) and the
# storage event consumer (see docker-compose.yml and docs/deployment.md).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build: the virtualenv and the collected static files --------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /app
COPY . /app
# whitenoise's manifest storage needs collectstatic; settings refuse the development key
# with DEBUG off, so a throwaway one is given for this one command (no database is touched).
RUN KOSHA_VAR_DIR=/app/var SECRET_KEY=collectstatic-only-never-used-to-sign \
    /venv/bin/python manage.py collectstatic --noinput --verbosity 0

# --- runtime -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 kosha \
 && useradd --system --uid 10001 --gid kosha --home-dir /app --no-create-home --shell /usr/sbin/nologin kosha
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
# var/ holds the collected static files (read-only) and the file cache (writable).
RUN mkdir -p /app/var/cache && chown kosha:kosha /app/var /app/var/cache
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KOSHA_VAR_DIR=/app/var \
    PORT=8000
WORKDIR /app
USER kosha
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
CMD ["sh", "-c", "exec gunicorn kosha.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_WORKERS:-3} --threads ${WEB_THREADS:-4} --timeout 60 --access-logfile -"]
