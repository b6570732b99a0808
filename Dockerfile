# distributor: the service image (scheduler + editors' web UI).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY distributor ./distributor
COPY templates ./templates
RUN pip install --upgrade pip && pip install . \
    && useradd --create-home --uid 10001 distributor

COPY config/distributor.example.toml /etc/distributor/distributor.example.toml
USER distributor
ENV DISTRIBUTOR_CONFIG=/etc/distributor/distributor.toml \
    DISTRIBUTOR_WEB_HOST=0.0.0.0
EXPOSE 8000
CMD ["distributor", "run"]
