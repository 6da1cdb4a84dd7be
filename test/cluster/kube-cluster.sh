#!/usr/bin/env bash
# Builds and starts the cluster suite's Kubernetes control plane (test tooling; see CONTRIBUTING.md).
#
#   test/cluster/kube-cluster.sh build      build the binary once (or reuse it); print its path last
#   test/cluster/kube-cluster.sh up DIR     build, then run etcd, kube-apiserver and
#                                           kube-controller-manager on 127.0.0.1 until Ctrl-C;
#                                           DIR/admin.kubeconfig is the admin's kubeconfig
#   test/cluster/kube-cluster.sh kubectl …  kubectl from the same release
#
# One Go binary (test/cluster/*.go) holds etcd, kube-apiserver, kube-controller-manager and kubectl
# from the Kubernetes release pinned in test/cluster/go.mod. It is built with Go from the Go module
# proxy into $JOBGUARD_CLUSTER_CACHE (default ~/.cache/jobguard-cluster), with Go's module and
# build caches beside it, and reused while go.mod, go.sum, the .go files and the Go version are
# unchanged. A cold build prints how long it took.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${JOBGUARD_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jobguard-cluster}

binary_path() {
  local key
  key=$(cd "$here" && { go version; cat kube-cluster.sh go.mod go.sum ./*.go; } | sha256sum | cut -c1-16)
  echo "$cache/bin/kube-cluster-$key"
}

build() {
  if ! command -v go >/dev/null; then
    echo "kube-cluster: Go is needed to build the test cluster (https://go.dev/dl/); it is not on PATH" >&2
    return 1
  fi
  local binary
  binary=$(binary_path)
  if [ -x "$binary" ]; then
    echo "kube-cluster: reusing $binary" >&2
    echo "$binary"
    return 0
  fi
  mkdir -p "$cache/bin"
  local version started elapsed
  version=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/go.mod")
  echo "kube-cluster: building Kubernetes $version (etcd, kube-apiserver, kube-controller-manager, kubectl) into $cache" >&2
  started=$(date +%s)
  # -trimpath and -s -w: no local paths, no symbol tables (a smaller binary and a shorter link).
  # The -X flags give the binary its release, as Kubernetes' own build does, so `kubectl version`
  # and the API server's /version report it.
  local pkg=k8s.io/component-base/version minor=${version#v1.}
  minor=${minor%%.*}
  (cd "$here" && GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -trimpath -o "$binary.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean \
      -X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitMajor=1 \
      -X k8s.io/client-go/pkg/version.gitMinor=$minor" .)
  mv "$binary.tmp" "$binary"
  elapsed=$(($(date +%s) - started))
  # Earlier builds are dead weight (about 150 MB each); the module and build caches stay.
  find "$cache/bin" -maxdepth 1 -name 'kube-cluster-*' ! -path "$binary" -delete
  echo "kube-cluster: built in ${elapsed} s ($(du -m "$binary" | cut -f1) MB): $binary" >&2
  echo "$binary"
}

command=${1:-}
case "$command" in
  build)
    build
    ;;
  up)
    [ $# -eq 2 ] || { echo "usage: $0 up DIR" >&2; exit 2; }
    binary=$(build)
    exec "$binary" up --dir "$2"
    ;;
  kubectl)
    shift
    binary=$(build)
    exec "$binary" kubectl "$@"
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
