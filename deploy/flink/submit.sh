#!/usr/bin/env bash
# Submit ccprov to a Flink cluster through its Beam job server: the docker-compose cluster, or
# the Kubernetes one with the job server port-forwarded
# (kubectl port-forward svc/beam-job-server 8099 8098).
#
#   deploy/flink/submit.sh --input s3://bucket/warcs/*.warc.gz --output s3://bucket/out \
#       --s3_endpoint_url=https://s3.example.com --s3_region_name=us-east-1
#
# Inputs and output must be URLs the submitting machine *and* the SDK workers reach under the
# same name (s3://, gs://, https://): the client resolves inputs and writes/reads the manifest
# location, the workers read the WARCs and write the shards.
set -euo pipefail

# ccprov: $CCPROV, else the one on PATH, else this checkout's (`make install` puts it in .venv).
if [ -z "${CCPROV:-}" ]; then
  CHECKOUT="$(cd "$(dirname "$0")/../.." && pwd)"
  if command -v ccprov >/dev/null 2>&1; then
    CCPROV=ccprov
  elif [ -x "$CHECKOUT/.venv/bin/ccprov" ]; then
    CCPROV="$CHECKOUT/.venv/bin/ccprov"
  else
    echo "submit.sh: no ccprov found: run 'make install' here, or set CCPROV" >&2
    exit 2
  fi
fi
JOB_ENDPOINT="${JOB_ENDPOINT:-localhost:8099}"
ARTIFACT_ENDPOINT="${ARTIFACT_ENDPOINT:-localhost:8098}"
# Python processes per taskmanager: its slot count (= the worker pool's cores).
SDK_WORKER_PARALLELISM="${SDK_WORKER_PARALLELISM:-4}"
# Flink parallelism of the job: taskmanagers x slots.
PARALLELISM="${PARALLELISM:-4}"

exec "$CCPROV" run \
  --runner=FlinkRunner \
  --job_endpoint="$JOB_ENDPOINT" \
  --artifact_endpoint="$ARTIFACT_ENDPOINT" \
  --environment_type=EXTERNAL \
  --environment_config=localhost:50000 \
  --sdk_worker_parallelism="$SDK_WORKER_PARALLELISM" \
  --parallelism="$PARALLELISM" \
  "$@"
