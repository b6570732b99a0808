# distributor: the service image (scheduler + editors' web UI).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Quote cards draw with these fonts (Latin, Arabic, Hebrew, CJK) and lay out right-to-left text with raqm.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk fonts-dejavu-core libraqm0 libfribidi0 \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY distributor ./distributor
COPY templates ./templates
RUN pip install --upgrade pip && pip install . \
    && useradd --create-home --uid 10001 distributor \
    && mkdir -p /var/lib/distributor/cards && chown distributor /var/lib/distributor/cards

COPY config/distributor.example.toml /etc/distributor/distributor.example.toml
USER distributor
ENV DISTRIBUTOR_CONFIG=/etc/distributor/distributor.toml \
    DISTRIBUTOR_WEB_HOST=0.0.0.0
EXPOSE 8000
CMD ["distributor", "run"]
