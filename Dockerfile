# The chat service with the seed index baked in. The steps are the ones a workstation runs:
# `make install` (CPU torch first, then the project) and `assistant build` on seeds/.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# `make install` takes torch's CPU build from this index (a mirror of it may be given).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

# make, and libgomp1 for LightGBM (the figure ranker), are whatever the base image's Debian
# release ships; pinning them would break with the next release of the base image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 assistant

WORKDIR /app
COPY --chown=assistant:assistant pyproject.toml README.md Makefile ./
COPY --chown=assistant:assistant assistant ./assistant
COPY --chown=assistant:assistant seeds ./seeds
USER 10001

RUN make install PYTHON=python3.11 TORCH_INDEX=${TORCH_INDEX} \
    && .venv/bin/assistant build seeds --index index

ENV ASSISTANT_HOST=0.0.0.0 \
    ASSISTANT_PORT=8000 \
    ASSISTANT_INDEX=/app/index
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD [".venv/bin/python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
CMD [".venv/bin/assistant", "serve"]
