#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kube-scheduler once, offline, from Debian's
# `kubernetes` source package (1.20.2, Go dependencies vendored) with Debian's Go 1.19, into a
# cache outside the checkout, and prints the directory holding the three binaries. Later calls
# print it at once.
#
#   test/testbed/build-kubernetes.sh            # → ~/.cache/streamstress/kubernetes-1.20.2/bin
#   STREAMSTRESS_KUBERNETES_CACHE=/dir test/testbed/build-kubernetes.sh
#
# The 1.20 sources build only with Go 1.19: the Go first on PATH may be newer, so the build calls
# Debian's golang-1.19-go by its own path.
set -euo pipefail

cache=${STREAMSTRESS_KUBERNETES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamstress/kubernetes-1.20.2}
binaries=(kube-apiserver kube-controller-manager kube-scheduler)
all_built() { for b in "${binaries[@]}"; do [ -x "$cache/bin/$b" ] || return 1; done; }
if all_built; then
  echo "$cache/bin"
  exit 0
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
go119=/usr/lib/go-1.19/bin
packages=(golang-1.19-go rsync golang-github-modern-go-reflect2-dev etcd-server openssl make)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$cache"
source_dir=$cache/kubernetes-1.20.2
if [ ! -d "$source_dir" ]; then
  # The source package comes from the machine's own Debian mirror, through a private apt
  # configuration so the system's sources stay untouched.
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }
  mkdir -p "$cache/apt/lists/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" > "$cache/apt/sources.list"
  apt_options=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$cache/apt/lists")
  echo "downloading Debian's kubernetes source package" >&2
  (cd "$cache" && apt-get "${apt_options[@]}" update -qq && apt-get "${apt_options[@]}" source --download-only kubernetes >/dev/null)
  # Unpacked beside and moved into place, so an interrupted unpack is never taken for a tree.
  rm -rf "$cache/unpacking"
  mkdir -p "$cache/unpacking"
  tar -xzf "$cache"/kubernetes_*.orig.tar.gz -C "$cache/unpacking"
  mv "$cache/unpacking/kubernetes-1.20.2" "$source_dir"
  rm -rf "$cache/unpacking"
fi

# The build expects to sit in a GOPATH at k8s.io/kubernetes.
mkdir -p "$source_dir/.go/src/k8s.io"
[ -L "$source_dir/.go/src/k8s.io/kubernetes" ] || ln -s ../../.. "$source_dir/.go/src/k8s.io/kubernetes"
# The vendored reflect2 1.0.1 panics on the first CRD with Go >= 1.18; Debian's copy works.
if [ ! -f "$source_dir/vendor/github.com/modern-go/reflect2/go_above_118.go" ]; then
  rm -rf "$source_dir/vendor/github.com/modern-go/reflect2"
  cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$source_dir/vendor/github.com/modern-go/reflect2"
  rm -f "$source_dir/vendor/github.com/modern-go/reflect2/go.mod"
fi
echo "building ${binaries[*]} with $("$go119/go" version) (about 10 minutes on 2 cores)" >&2
(
  cd "$source_dir"
  export PATH=$go119:$PATH GOTOOLCHAIN=local GOPATH=$source_dir/.go GOPROXY=off GOFLAGS='' CGO_ENABLED=0 GOCACHE=$cache/gocache
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" >&2
)
mkdir -p "$cache/bin"
for b in "${binaries[@]}"; do
  cp "$source_dir/_output/bin/$b" "$cache/bin/$b.partial"
  mv "$cache/bin/$b.partial" "$cache/bin/$b"
done
echo "$cache/bin"
