# The emulator image: `docker compose up` runs it against Postgres (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
 && useradd --system --uid 10001 --no-create-home capemu \
 && chown capemu /app
# Not root: the code stays root's (read-only to the server); /app itself is writable so that
# the default SQLite file (./capillary-emulator.db) can be created when no Postgres is given.
USER capemu
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --retries=20 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/_emulator/health')"
CMD ["capillary-emulator", "serve", "--host", "0.0.0.0", "--port", "8000"]
