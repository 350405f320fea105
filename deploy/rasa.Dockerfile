# A Rasa 3.6 server for HAMROH_NLU__BACKEND=rasa, built like `make rasa` (nlu/rasa/setup.sh):
# the pinned requirements, then rasa itself, then a model trained on nlu/data.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 10002 rasa

COPY nlu/rasa/requirements-rasa.txt ./requirements-rasa.txt
RUN pip install --prefer-binary --ignore-requires-python -r requirements-rasa.txt \
 && pip install --no-deps --ignore-requires-python rasa==3.6.21

COPY nlu/rasa/config.yml nlu/rasa/domain.yml ./nlu/rasa/
COPY nlu/data ./nlu/data
RUN rasa train nlu --config nlu/rasa/config.yml --domain nlu/rasa/domain.yml --nlu nlu/data --out models \
 && chown -R rasa /app

USER rasa
EXPOSE 5005
HEALTHCHECK --interval=15s --timeout=8s --start-period=180s \
  CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:5005/', timeout=5)"
CMD ["rasa", "run", "--enable-api", "-i", "0.0.0.0", "-p", "5005", "-m", "models"]
