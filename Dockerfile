# SalesDesk image: the web app (the default command: gunicorn with uvicorn workers, see
# gunicorn.conf.py), the Celery worker and beat.
# docker-compose.yml runs all three from it; see the README's "Production with Docker Compose".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translation catalogues (locale/*/LC_MESSAGES/*.po) at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in a layer that changes only with pyproject.toml. The project declares
# no packages ([tool.setuptools] packages = []), so `pip install .` installs the dependencies
# only; the code runs from /app.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Build-time only: a throwaway key (settings refuse to start without one when DEBUG is off);
# the real SECRET_KEY comes from the environment at run time. With DEBUG off, collectstatic
# writes hashed, compressed files into var/staticfiles, which whitenoise serves.
RUN export DEBUG=false SECRET_KEY=build-time-only-not-a-secret \
    && if [ -d locale ]; then python manage.py compilemessages --ignore 'var/*'; fi \
    && python manage.py collectstatic --noinput

# An unprivileged user; the code stays root-owned and read-only to it, only var/ is writable.
RUN groupadd --system --gid 10001 salesdesk \
    && useradd --system --uid 10001 --gid salesdesk --home-dir /app --no-create-home salesdesk \
    && chown -R salesdesk:salesdesk var
USER salesdesk

ENV DEBUG=false
EXPOSE 8000

CMD ["gunicorn", "-c", "gunicorn.conf.py", "salesdesk.asgi:application"]
