#!/usr/bin/env bash
# Build ccprov's worker + launcher images and its Flex Template, then launch a Dataflow job.
#
#   deploy/dataflow/build_and_run.sh build   # images -> Artifact Registry, template spec -> GCS
#   deploy/dataflow/build_and_run.sh run     # launch a job from the template
#   deploy/dataflow/build_and_run.sh         # both
#
# Required: PROJECT, REGION, REPO (Artifact Registry docker repo), BUCKET (gs://...), and for
# `run` INPUT and OUTPUT. See deploy/README.md for every setting and the sizing guide.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PROJECT:?set PROJECT (GCP project id)}"
: "${REGION:?set REGION (e.g. us-central1)}"
: "${REPO:?set REPO (an Artifact Registry docker repository name)}"
: "${BUCKET:?set BUCKET (gs://bucket for the template spec, staging and temp files)}"
TAG="${TAG:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)}"
REGISTRY="${REGION}-docker.pkg.dev/${PROJECT}/${REPO}"
SDK_IMAGE="${SDK_IMAGE:-${REGISTRY}/ccprov-sdk:${TAG}}"
LAUNCHER_IMAGE="${LAUNCHER_IMAGE:-${REGISTRY}/ccprov-launcher:${TAG}}"
TEMPLATE_SPEC="${TEMPLATE_SPEC:-${BUCKET%/}/templates/ccprov-${TAG}.json}"
BUILDER="${BUILDER:-docker}"              # docker (local daemon) or cloudbuild

# Job settings (see "Sizing" in deploy/README.md).
MACHINE_TYPE="${MACHINE_TYPE:-n2-standard-4}" # CPU-bound; 4 GB per vCPU = per SDK process
NUM_WORKERS="${NUM_WORKERS:-2}"
MAX_WORKERS="${MAX_WORKERS:-20}"
DISK_SIZE_GB="${DISK_SIZE_GB:-50}"            # SDK image + logs; shuffle is on Dataflow Shuffle
# More template parameters, `~`-separated because values may hold commas (languages=en,de):
#   EXTRA_PARAMETERS='dedup=minhash~languages=en,de~license_policy=no-optout'
EXTRA_PARAMETERS="${EXTRA_PARAMETERS:-}"

build() {
  if [[ "$BUILDER" == cloudbuild ]]; then
    gcloud builds submit "$ROOT" --project "$PROJECT" \
      --config "$ROOT/deploy/dataflow/cloudbuild.yaml" \
      --substitutions "_SDK_IMAGE=${SDK_IMAGE},_LAUNCHER_IMAGE=${LAUNCHER_IMAGE}"
  else
    DOCKER_BUILDKIT=1 docker build -f "$ROOT/deploy/sdk/Dockerfile" -t "$SDK_IMAGE" "$ROOT"
    DOCKER_BUILDKIT=1 docker build -f "$ROOT/deploy/dataflow/Dockerfile" -t "$LAUNCHER_IMAGE" "$ROOT"
    docker push "$SDK_IMAGE"
    docker push "$LAUNCHER_IMAGE"
  fi
  gcloud dataflow flex-template build "$TEMPLATE_SPEC" --project "$PROJECT" \
    --image "$LAUNCHER_IMAGE" \
    --sdk-language PYTHON \
    --metadata-file "$ROOT/deploy/dataflow/metadata.json"
  echo "template: $TEMPLATE_SPEC  workers: $SDK_IMAGE"
}

run() {
  : "${INPUT:?set INPUT (crawl id, listing file, or gs:// / s3:// / https:// WARC glob)}"
  : "${OUTPUT:?set OUTPUT (gs://... or s3://... prefix)}"
  local params="^~^sdk_container_image=${SDK_IMAGE}~disk_size_gb=${DISK_SIZE_GB}"
  params+="~input=${INPUT}~output=${OUTPUT}${EXTRA_PARAMETERS:+~${EXTRA_PARAMETERS}}"
  # Custom SDK containers need Runner v2 (the default for Python, made explicit here).
  gcloud dataflow flex-template run "ccprov-$(date -u +%Y%m%d-%H%M%S)" \
    --project "$PROJECT" --region "$REGION" \
    --template-file-gcs-location "$TEMPLATE_SPEC" \
    --staging-location "${BUCKET%/}/staging" \
    --temp-location "${BUCKET%/}/temp" \
    --worker-machine-type "$MACHINE_TYPE" \
    --num-workers "$NUM_WORKERS" \
    --max-workers "$MAX_WORKERS" \
    --additional-experiments use_runner_v2 \
    --parameters "$params"
}

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) echo "usage: $0 [build|run|all]" >&2; exit 2 ;;
esac
