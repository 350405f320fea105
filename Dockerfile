# Hamroh: the bot, the operator console and the SLA watcher in one service.
# Built and run by deploy/compose.yaml (docs/deploy.md); alone:
#   docker build -t hamroh . && docker run --env-file deploy/.env hamroh
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HAMROH_CONSOLE__HOST=0.0.0.0 \
    HAMROH_OPS__HOST=0.0.0.0 \
    HAMROH_LOG_JSON=true

WORKDIR /app
RUN useradd --create-home --uid 10001 hamroh

# The versions that passed CI (requirements.lock, every file checked against its hash): a
# layer of its own, rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY nlu ./nlu
COPY hotline_router ./hotline_router
COPY shared ./shared
# Compile the gettext catalogs first, so the installed package carries the .mo files.
RUN pybabel compile --use-fuzzy -d bot/locales -D messages \
 && pip install --no-deps .

# Train the embedded classifier and the situation model at build time, so the first message
# is not slow (they depend on nlu/ only: a content change does not retrain).
RUN hamroh nlu train \
 && python -c "from nlu.config import NLUSettings as S; from nlu.risk.situation_model import load_or_train; \
s = S(); load_or_train(s.situations_dir, s.data_dir, s.cache_dir)"

# The content as built; compose.yaml mounts the editors' folder over it for hot reload.
COPY content ./content
# Writable by the service user: a named volume starts with this owner (a bind mount needs
# `chown -R 10001 <dir>` on the host, see docs/deploy.md).
RUN mkdir -p /app/data && chown -R hamroh /app/data /app/.cache

USER hamroh
VOLUME ["/app/data"]
# 8080 Telegram webhook, 8000 operator console, 8090 /healthz /readyz /metrics
EXPOSE 8080 8000 8090
HEALTHCHECK --interval=15s --timeout=8s --start-period=120s --retries=3 \
  CMD python -c "import os, urllib.request as u; \
u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('HAMROH_OPS__PORT', '8090'), timeout=5)"
# Exits with one clear line when HAMROH_TELEGRAM__TOKEN is not set (compose.yaml refuses to
# start without it).
CMD ["hamroh", "serve"]
