# One image per connector, both from this file: the connector is chosen at build time.
#   docker build --build-arg CONNECTOR=source-crisp      -t airbyte/source-crisp:dev .
#   docker build --build-arg CONNECTOR=destination-convot -t airbyte/destination-convot:dev .
# Mirrors Airbyte's shared Dockerfile.python-connector: the Python connector base image, code under
# /airbyte/integration_code, an /entrypoint.sh that execs the console script, AIRBYTE_ENTRYPOINT pointing at it,
# and the non-root `airbyte` user. The default BASE_IMAGE must equal connectorBuildOptions.baseImage in
# metadata.yaml (unit_tests/test_metadata.py checks it).
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2
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
ARG CONNECTOR=source-crisp
RUN case "${CONNECTOR}" in \
      source-crisp|destination-convot) ;; \
      *) echo "CONNECTOR must be source-crisp or destination-convot, got '${CONNECTOR}'" >&2; exit 1 ;; \
    esac

COPY pyproject.toml README.md ./
COPY source_crisp ./source_crisp
COPY destination_convot ./destination_convot
RUN python -m pip install --no-cache-dir --disable-pip-version-check --no-deps . \
 && rm -rf build *.egg-info \
 && printf '#!/bin/sh\nexec %s "$@"\n' "${CONNECTOR}" > /entrypoint.sh \
 && chmod 755 /entrypoint.sh

LABEL io.airbyte.name="airbyte/${CONNECTOR}"
ENV AIRBYTE_ENTRYPOINT="/entrypoint.sh"
USER airbyte
ENTRYPOINT ["/entrypoint.sh"]
