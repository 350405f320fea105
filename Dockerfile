# Hamroh: the bot, the operator console and the SLA watcher in one service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HAMROH_CONSOLE__HOST=0.0.0.0

WORKDIR /app

COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY nlu ./nlu
COPY hotline_router ./hotline_router
# Compile the gettext catalogs first, so the installed package carries the .mo files.
RUN pip install Babel \
 && pybabel compile --use-fuzzy -d bot/locales -D messages \
 && pip install . \
 && useradd --create-home --uid 10001 hamroh

COPY content ./content
# Train the embedded classifier at build time, so the first message is not slow.
RUN hamroh nlu train && mkdir -p /app/data && chown -R hamroh /app/data /app/.cache

USER hamroh
VOLUME ["/app/data"]
EXPOSE 8000 8080
CMD ["hamroh", "serve"]
