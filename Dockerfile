# One image per connector, both from this file: the connector is chosen at build time, by CONNECTOR or by
# CONNECTOR_NAME (the build argument Airbyte's shared Dockerfile template and `airbyte-cdk image build` pass).
#   docker build --build-arg CONNECTOR=source-crisp      -t airbyte/source-crisp:dev .
#   docker build --build-arg CONNECTOR=destination-convot -t airbyte/destination-convot:dev .
# Mirrors Airbyte's shared Dockerfile.python-connector: the Python connector base image, code under
# /airbyte/integration_code, an /entrypoint.sh that execs the console script, AIRBYTE_ENTRYPOINT pointing at it,
# and the non-root `airbyte` user. The default BASE_IMAGE must equal connectorBuildOptions.baseImage in
# metadata.yaml (unit_tests/test_metadata.py checks it).
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73
FROM ${BASE_IMAGE}

WORKDIR /airbyte/integration_code

# Dependencies first, in their own layer, so a code or README change does not re-download airbyte-cdk and its
# tree: install the distribution from pyproject alone (empty packages, empty readme), then drop the project.
COPY pyproject.toml /tmp/deps/
RUN cd /tmp/deps \
 && mkdir source_crisp destination_convot && touch README.md \
 && python -m pip install --no-cache-dir --disable-pip-version-check . \
 && python -m pip uninstall -y --disable-pip-version-check airbyte-crisp-convot \
 && rm -rf /tmp/deps

# Declared after the dependency layer, so both images share it.
ARG CONNECTOR_NAME=
ARG CONNECTOR=${CONNECTOR_NAME:-source-crisp}
RUN case "${CONNECTOR}" in \
      source-crisp|destination-convot) ;; \
      *) echo "CONNECTOR must be source-crisp or destination-convot, got '${CONNECTOR}'" >&2; exit 1 ;; \
    esac \
 && if [ -n "${CONNECTOR_NAME}" ] && [ "${CONNECTOR_NAME}" != "${CONNECTOR}" ]; then \
      echo "CONNECTOR_NAME '${CONNECTOR_NAME}' and CONNECTOR '${CONNECTOR}' disagree; pass one of them" >&2; \
      exit 1; \
    fi

COPY pyproject.toml README.md ./
COPY source_crisp ./source_crisp
COPY destination_convot ./destination_convot
COPY connector_shared ./connector_shared
RUN python -m pip install --no-cache-dir --disable-pip-version-check --no-deps . \
 && rm -rf build *.egg-info \
 && printf '#!/bin/sh\nexec %s "$@"\n' "${CONNECTOR}" > /entrypoint.sh \
 && chmod 755 /entrypoint.sh

# io.airbyte.version is the distribution version (pyproject) and metadata's dockerImageTag; unit_tests/test_metadata.py
# keeps them equal.
LABEL io.airbyte.name="airbyte/${CONNECTOR}" \
      io.airbyte.version="0.1.0"
ENV AIRBYTE_ENTRYPOINT="/entrypoint.sh"
USER airbyte
ENTRYPOINT ["/entrypoint.sh"]
