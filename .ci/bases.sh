#!/usr/bin/env bash
# Assembles the two base images the Dockerfile takes as build arguments, from nothing but Debian's
# packages and the npm registry (no image registry is reachable here), and prints them as
#   BUILD_BASE=<image>
#   BASE=<image>
# on its last two lines.
#
#   BUILD_BASE  a minimal Debian root (debootstrap --variant=minbase) with Node and npm in
#               /usr/local, laid out as the node:24-slim images are.
#   BASE        a shell-less runtime laid out as gcr.io/distroless/nodejs24-debian12:nonroot is:
#               /nodejs/bin/node, the C libraries node links against (copied from that Debian
#               root, with their copyright files), /etc/passwd naming root and nonroot (65532),
#               /tmp, and nothing else: no shell, no package manager, no coreutils.
#
# Node comes from the npm registry's node-linux-<arch> package (the official Node.js build, as
# the `node` package installs it) and npm from the `npm` package. The images are named after the
# Node version, the Debian suite and this script's hash, and reused while all three are the same;
# JOBGUARD_FRESH_BASES=1 assembles them again.
set -euo pipefail

NODE_MAJOR=${NODE_MAJOR:-24}
NPM_MAJOR=${NPM_MAJOR:-11}
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${JOBGUARD_IMAGE_CACHE:-/var/cache/jobguard-ci}

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "bases: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

# The newest release of a major line, e.g. 24.21.0.
newest() {
  npm view "$1@$2" version --json | node -e '
    const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.stdout.write(Array.isArray(v) ? v.at(-1) : v);'
}
node_version=$(newest "node-linux-$arch" "$NODE_MAJOR")
npm_version=$(newest npm "$NPM_MAJOR")
# The machine's trust store goes into the build base, for `npm ci` in the build stage: where the
# registry is reached through a TLS-inspecting proxy (as on this project's CI machines), its CA is
# in the machine's bundle and nowhere else. The runtime base never gets it.
trust=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$trust" ] || trust=
script_hash=$(cat "$0" ${trust:+"$trust"} | sha256sum | cut -c1-12)
tag="$node_version-npm$npm_version-$SUITE-$script_hash"
build_base="localhost/jobguard-ci/node-build:$tag"
runtime_base="localhost/jobguard-ci/node-runtime:$tag"

exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

if [ "${JOBGUARD_FRESH_BASES:-}" != 1 ] && exists "$build_base" && exists "$runtime_base"; then
  echo "bases: reusing $build_base and $runtime_base" >&2
else
  started=$(date +%s)
  work=$(mktemp -d)
  containers=()
  cleanup() {
    for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
    rm -rf "$work"
  }
  trap cleanup EXIT

  # The Debian root, kept between runs (debootstrap takes most of a minute).
  debroot="$CACHE/debootstrap-$SUITE-$arch"
  if [ ! -e "$debroot/.complete" ]; then
    rm -rf "$debroot"
    mkdir -p "$CACHE"
    echo "bases: debootstrap --variant=minbase $SUITE" >&2
    debootstrap --variant=minbase "$SUITE" "$debroot" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    # No package lists or caches in an image.
    rm -rf "$debroot"/var/lib/apt/lists/* "$debroot"/var/cache/apt/*.bin "$debroot"/var/cache/apt/archives/*.deb
    touch "$debroot/.complete"
  fi

  echo "bases: node-linux-$arch $node_version and npm $npm_version from the npm registry" >&2
  (cd "$work" && npm pack --silent "node-linux-$arch@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/node" "$work/npm"
  tar -xzf "$work/node-linux-$arch-$node_version.tgz" -C "$work/node" --strip-components=1
  tar -xzf "$work/npm-$npm_version.tgz" -C "$work/npm" --strip-components=1

  # Build base: Debian + /usr/local/bin/{node,npm,npx}.
  ctr=$(buildah from scratch)
  containers+=("$ctr")
  mnt=$(buildah mount "$ctr")
  cp -a "$debroot/." "$mnt/"
  rm -f "$mnt/.complete"
  install -D -m 0755 "$work/node/bin/node" "$mnt/usr/local/bin/node"
  install -D -m 0644 "$work/node/LICENSE" "$mnt/usr/local/share/doc/node/LICENSE"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$work/npm" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  chroot "$mnt" /usr/local/bin/node --version >/dev/null
  trust_env=()
  if [ -n "$trust" ]; then
    install -D -m 0644 "$trust" "$mnt/etc/ssl/certs/ca-certificates.crt"
    trust_env=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
  fi
  buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin "${trust_env[@]}" \
    --env NODE_VERSION="$node_version" --workingdir / --cmd '["node"]' \
    --label org.opencontainers.image.description="Debian $SUITE minbase with Node $node_version and npm $npm_version (jobguard CI)" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$build_base" >/dev/null
  containers=()

  # Runtime base: node, the libraries it links against, users, /tmp.
  ctr=$(buildah from scratch)
  containers+=("$ctr")
  rt=$(buildah mount "$ctr")
  mkdir -p "$rt/usr/lib" "$rt/usr/lib64" "$rt/etc" "$rt/home/nonroot" "$rt/tmp" "$rt/nodejs/bin"
  # Debian 12 merges /lib into /usr/lib.
  ln -s usr/lib "$rt/lib"
  ln -s usr/lib64 "$rt/lib64"
  install -m 0755 "$work/node/bin/node" "$rt/nodejs/bin/node"
  install -D -m 0644 "$work/node/LICENSE" "$rt/nodejs/LICENSE"
  src=$debroot
  # Copy a file and every symlink on its way, at the same paths (directories resolved first).
  copy_chain() {
    local path=$1
    while :; do
      local dir
      dir=$(realpath "$src$(dirname "$path")")
      dir=${dir#"$src"}
      mkdir -p "$rt$dir"
      cp -P --preserve=mode,timestamps "$src$dir/$(basename "$path")" "$rt$dir/"
      local link
      link=$(readlink "$src$dir/$(basename "$path")" || true)
      [ -n "$link" ] || break
      case "$link" in /*) path=$link ;; *) path="$dir/$link" ;; esac
    done
  }
  # The loader lists what node needs, resolved inside the Debian root.
  cp "$work/node/bin/node" "$src/tmp/node-probe"
  libs=$(chroot "$src" /lib64/ld-linux-x86-64.so.2 --list /tmp/node-probe 2>/dev/null ||
    chroot "$src" /lib/ld-linux-aarch64.so.1 --list /tmp/node-probe)
  rm -f "$src/tmp/node-probe"
  for lib in $(printf '%s\n' "$libs" | grep -o '/[^ ]*' | sort -u); do
    copy_chain "$lib"
    # The copyright file of the Debian package the library comes from (dpkg knows it by its
    # /lib or its /usr/lib path).
    pkg=$( (chroot "$src" dpkg -S "$lib" || chroot "$src" dpkg -S "/usr$lib") 2>/dev/null | head -1 | cut -d: -f1 || true)
    if [ -n "$pkg" ] && [ -f "$src/usr/share/doc/$pkg/copyright" ]; then
      install -D -m 0644 "$src/usr/share/doc/$pkg/copyright" "$rt/usr/share/doc/$pkg/copyright"
    fi
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rt/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$rt/etc/group"
  chown 65532:65532 "$rt/home/nonroot"
  chmod 1777 "$rt/tmp"
  chmod 0700 "$rt/home/nonroot"
  buildah config --user 65532:65532 --workingdir /home/nonroot \
    --env PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="$node_version" \
    --entrypoint '["/nodejs/bin/node"]' --cmd '[]' \
    --label org.opencontainers.image.description="Node $node_version on Debian $SUITE libraries, no shell (jobguard CI)" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$runtime_base" >/dev/null
  containers=()
  echo "bases: assembled in $(($(date +%s) - started)) s" >&2
fi

echo "BUILD_BASE=$build_base"
echo "BASE=$runtime_base"
