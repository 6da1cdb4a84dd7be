#!/usr/bin/env bash
# Builds the repository's Dockerfile and runs the image as a cluster would, without a container
# engine or an image registry:
#   1. installs buildah, debootstrap, openssl and procps from Debian when they are missing;
#   2. assembles the two base images locally (.ci/bases.sh: Node 24 from the npm registry on
#      Debian 12 libraries) and builds the Dockerfile against them with --build-arg, never pulling;
#   3. checks the image's configuration: user 65532:65532, exec-form entrypoint, no shell in the
#      runtime image;
#   4. runs the image's own entrypoint as UID 65532 (`buildah run --isolation chroot`) with the
#      chart's layout: serving certificate and policy mounted read-only, an empty /tmp, a
#      kubeconfig for a stand-in API server on loopback; waits for /readyz (namespace labels
#      synced), posts AdmissionReviews over TLS verified against the test CA, and checks the
#      answers (allow, warn, and deny where the namespace label says enforce);
#   5. checks that the server wrote nothing to the image's root filesystem (the chart runs it with
#      readOnlyRootFilesystem; this runtime cannot remount the root read-only, so the check is
#      that no file in it changed) and that SIGTERM ends it with exit 0;
#   6. prints the image size and the start-to-ready time.
# Everything listens on 127.0.0.1. Runs as root (buildah needs it here).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "$(id -u)" != 0 ]; then
  echo "image: needs root (buildah builds and runs images as root here)" >&2
  exit 1
fi
missing=()
# command → Debian package
for need in buildah:buildah debootstrap:debootstrap openssl:openssl pgrep:procps; do
  command -v "${need%%:*}" >/dev/null || missing+=("${need#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "image: apt-get install ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

started=$(date +%s)
bases=$(bash .ci/bases.sh)
build_base=$(printf '%s\n' "$bases" | sed -n 's/^BUILD_BASE=//p')
base=$(printf '%s\n' "$bases" | sed -n 's/^BASE=//p')

version=$(node -p 'require("./package.json").version')
image="localhost/jobguard:$version"
build_started=$(date +%s)
# --layers keeps the `npm ci` layer between runs while package-lock.json is unchanged; the docker
# format keeps HEALTHCHECK (the OCI image format has no field for it).
buildah build --quiet --layers --pull=never --isolation chroot --network host --format docker \
  --build-arg BUILD_BASE="$build_base" --build-arg BASE="$base" \
  -t "$image" -f Dockerfile . >/dev/null
echo "image: built $image in $(($(date +%s) - build_started)) s"

dir=$(mktemp -d)
ctr=
api=
runner=
cleanup() {
  [ -z "$runner" ] || kill "$runner" 2>/dev/null || true
  [ -z "$api" ] || kill "$api" 2>/dev/null || true
  if [ -n "$ctr" ]; then
    buildah umount "$ctr" >/dev/null 2>&1 || true
    buildah rm "$ctr" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# The configuration a runtime reads: user, entrypoint and command, healthcheck.
buildah inspect --type image "$image" >"$dir/inspect.json"
node - "$dir/inspect.json" "$dir" <<'JS'
const { readFileSync, writeFileSync } = require('node:fs');
const [file, dir] = process.argv.slice(2);
const config = JSON.parse(readFileSync(file, 'utf8')).Docker.config;
const fail = (message) => {
  console.error(`image: ${message}`);
  process.exit(1);
};
if (config.User !== '65532:65532') fail(`user is ${config.User}, expected 65532:65532`);
if (JSON.stringify(config.Entrypoint) !== '["node","/app/jobguard.mjs"]') fail(`entrypoint is ${config.Entrypoint}`);
if (config.Cmd?.[0] !== 'serve') fail(`cmd is ${config.Cmd}`);
const probe = config.Healthcheck?.Test;
if (probe?.[0] !== 'CMD' || probe[1] !== 'node') fail(`healthcheck is ${JSON.stringify(config.Healthcheck)}`);
writeFileSync(`${dir}/entrypoint`, config.Entrypoint.join('\n') + '\n');
writeFileSync(`${dir}/healthcheck`, probe.slice(1).join('\n') + '\n');
JS
mapfile -t entry <"$dir/entrypoint"
mapfile -t healthcheck <"$dir/healthcheck"

ctr=$(buildah from --pull=never "$image")
rootfs=$(buildah mount "$ctr")
for shell in bin/sh bin/bash usr/bin/sh usr/bin/bash bin/busybox; do
  if [ -e "$rootfs/$shell" ] || [ -L "$rootfs/$shell" ]; then
    echo "image: the runtime image has /$shell" >&2
    exit 1
  fi
done
[ -z "$(find "$rootfs/app" -perm /022 -type f)" ] || { echo "image: /app has group- or world-writable files" >&2; exit 1; }

# A CA and a serving certificate for 127.0.0.1, as the chart's Secret holds them.
mkdir -p "$dir/tls" "$dir/policy" "$dir/kube" "$dir/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=jobguard-ci-ca \
  -keyout "$dir/ca.key" -out "$dir/tls/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=jobguard.jobguard.svc \
  -keyout "$dir/tls/tls.key" -out "$dir/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:jobguard.jobguard.svc\n' >"$dir/san.ext"
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/tls/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
  -extfile "$dir/san.ext" -out "$dir/tls/tls.crt" 2>/dev/null
# The chart mounts the Secret with mode 0440 for the pod's group.
chown -R 0:65532 "$dir/tls" && chmod 0750 "$dir/tls" && chmod 0440 "$dir/tls"/*
cat >"$dir/policy/policy.yaml" <<'YAML'
apiVersion: jobguard.dev/v1
kind: Policy
mode: warn
namespaceLabels:
  enabled: true
YAML
chmod -R a+rX "$dir/policy"
chown 65532:65532 "$dir/tmp" && chmod 0700 "$dir/tmp"

node .ci/stand-in-apiserver.mjs "$dir/api-port" &
api=$!
for _ in $(seq 100); do [ -s "$dir/api-port" ] && break; sleep 0.1; done
cat >"$dir/kube/config" <<YAML
apiVersion: v1
kind: Config
clusters: [{ name: ci, cluster: { server: "http://127.0.0.1:$(cat "$dir/api-port")", insecure-skip-tls-verify: true } }]
users: [{ name: ci, user: { token: ci } }]
contexts: [{ name: ci, context: { cluster: ci, user: ci } }]
current-context: ci
YAML
chmod -R a+rX "$dir/kube"

# The chart's mounts: certificate, policy and kubeconfig read-only, /tmp an empty writable directory.
volumes=(-v "$dir/tls:/etc/jobguard/tls:ro" -v "$dir/policy:/etc/jobguard/policy:ro"
  -v "$dir/kube:/etc/jobguard/kube:ro" -v "$dir/tmp:/tmp")
# A first run makes buildah create its mount points (/dev, /proc, /etc/hosts, the volumes' paths)
# in the root filesystem; anything that changes in it after this marker was written by the server.
buildah run --isolation chroot --network host --user 65532:65532 "${volumes[@]}" "$ctr" -- "${entry[0]}" --version >/dev/null
touch "$dir/marker"
sleep 1

port=$((20000 + RANDOM % 20000))
metrics_port=$((port + 1))
since=$(node -p 'Date.now()')
buildah run --isolation chroot --network host --user 65532:65532 \
  --env NODE_OPTIONS='--max-old-space-size=128 --max-semi-space-size=4' \
  "${volumes[@]}" "$ctr" -- "${entry[@]}" serve --config=/etc/jobguard/policy/policy.yaml --host=127.0.0.1 --port="$port" --metrics-port="$metrics_port" \
  --tls-cert-file=/etc/jobguard/tls/tls.crt --tls-key-file=/etc/jobguard/tls/tls.key \
  --kubeconfig=/etc/jobguard/kube/config >"$dir/log" 2>&1 &
runner=$!

fixtures=test/fixtures/kubectl
if ! node .ci/smoke-client.mjs --port "$port" --metrics-port "$metrics_port" --ca-file "$dir/tls/ca.crt" --since "$since" \
  "$fixtures/hello-cronjob.json:default:annotate" \
  "$fixtures/reverse-shell-cronjob.json:default:warn" \
  "$fixtures/reverse-shell-cronjob.json:payments:deny" >"$dir/smoke"; then
  echo "image: smoke test failed; server log:" >&2
  cat "$dir/log" >&2
  exit 1
fi
sed -n 1p "$dir/smoke" | sed 's/^/image: /'
ready_ms=$(sed -n 's/^ready_ms=//p' "$dir/smoke")

# The image's HEALTHCHECK, pointed at this run's port, in the image beside the server.
probe=("${healthcheck[@]}")
probe[2]=${probe[2]//port:8443/port:$port}
buildah run --isolation chroot --network host --user 65532:65532 "${volumes[@]}" "$ctr" -- "${probe[@]}" ||
  { echo "image: the HEALTHCHECK failed against a ready server" >&2; exit 1; }

# Which user the server ran as, from its own process entry.
server_pid=$(pgrep -f -n -- "--port=$port" || true)
server_uid=$( [ -n "$server_pid" ] && awk '/^Uid:/ {print $2}' "/proc/$server_pid/status" || echo unknown)
[ "$server_uid" = 65532 ] || { echo "image: server ran as UID $server_uid, expected 65532" >&2; exit 1; }

kill -TERM "$server_pid"
if wait "$runner"; then
  runner=
else
  code=$?
  runner=
  echo "image: exit $code after SIGTERM; server log:" >&2
  cat "$dir/log" >&2
  exit 1
fi

written=$(cd "$rootfs" && find . -xdev -newer "$dir/marker" \
  -not -path ./dev -not -path ./proc -not -path ./sys -not -path ./run -not -path ./run/.containerenv \
  -not -path ./etc/hosts -not -path ./etc/resolv.conf -not -path ./etc/hostname -not -path ./tmp -not -path . | head -20)
if [ -n "$written" ]; then
  echo "image: the server wrote to its root filesystem:" >&2
  printf '%s\n' "$written" >&2
  exit 1
fi

size=$(buildah images --format '{{.Size}}' "$image" | head -1)
echo "image: HEALTHCHECK passes; runs as UID 65532, writes nothing to its root filesystem, SIGTERM → exit 0"
echo "image: size $size (runtime base: $(buildah images --format '{{.Size}}' "$base" | head -1)); ready ${ready_ms} ms after start; whole step $(($(date +%s) - started)) s"
