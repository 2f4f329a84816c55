#!/usr/bin/env bash
# Installs the real tools the tests, `npm run demo` and `npm run bench` use — ko, crane, Gauge and
# Gauge's go runner and xml-report plugins — once per machine, from their Go modules through the
# Go module proxy, at pinned versions, into a cache outside the checkout. Prints the cache's
# directory last; under it:
#   bin/          ko, crane, gauge (put it on PATH)
#   gauge-home/   a GAUGE_HOME with the go and xml-report plugins installed
# Later calls print it at once. Nothing is downloaded from anywhere but the module proxy: Gauge's
# own plugin download goes to GitHub, so each plugin is zipped from its module here and given to
# `gauge install NAME --file ZIP`.
#
#   test/tools/install-go-tools.sh             # → ~/.cache/streamstress/go-tools-<versions>
#   STREAMSTRESS_TOOLS_CACHE=/dir test/tools/install-go-tools.sh
set -euo pipefail

# Pinned: the newest of each that the module proxy serves here. xml-report 0.5.4 wants
# Gauge >= 1.6.22.
KO=github.com/google/ko@v0.18.1
CRANE=github.com/google/go-containerregistry/cmd/crane@v0.22.1
GAUGE=github.com/getgauge/gauge@v1.6.35
GAUGE_GO=github.com/getgauge-contrib/gauge-go@v0.5.2
XML_REPORT=github.com/getgauge/xml-report@v0.5.4

# The recipe's own revision comes first: a change in how the tools are built makes a new cache.
versions="r2.ko-${KO##*@}.crane-${CRANE##*@}.gauge-${GAUGE##*@}.go-${GAUGE_GO##*@}.xml-${XML_REPORT##*@}"
cache=${STREAMSTRESS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamstress/go-tools-$versions}
if [ -f "$cache/.complete" ]; then
  echo "$cache"
  exit 0
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# xml-report links libxml2 through cgo (with gcc); zip packs the plugins.
missing=()
for p in libxml2-dev pkg-config zip gcc libc6-dev; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "go is not on PATH: these tools are built with Go 1.26 or newer" >&2; exit 1; }
# Gauge 1.6.35's go.mod asks for Go 1.26; the toolchain is not fetched behind the user's back.
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${go_minor:-0}" -lt 26 ] 2>/dev/null; then
  echo "$(go env GOVERSION) is on PATH; these tools need Go 1.26 or newer (put it first on PATH)" >&2
  exit 1
fi
mkdir -p "$cache/bin"
export GOPATH=$cache/gopath GOCACHE=$cache/gocache GOFLAGS=-modcacherw GOTOOLCHAIN=local
# `go install MODULE@VERSION` would be the usual way, but it also asks the proxy for the module's
# version list (to warn of deprecation), which the proxy here refuses for some of these: the
# module is downloaded at its pinned version and built in its own directory instead, with its own
# go.mod and go.sum, which is what `go install` builds.
build() {
  local module=$1 package=$2 binary=$3 ldflags=${4:-} dir
  echo "building $binary from $module" >&2
  dir=$(go mod download -json "$module" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})')
  (cd "$dir" && CGO_ENABLED=${CGO:-0} go build -trimpath -ldflags="$ldflags" -o "$cache/bin/$binary" "$package") >&2
}
# ko's release builds stamp its version, which `ko version` prints; a plain build says (devel).
build "$KO" . ko "-X github.com/google/ko/pkg/commands.Version=${KO##*@}"
build "${CRANE%%/cmd/crane@*}@${CRANE##*@}" ./cmd/crane crane
build "$GAUGE" . gauge
build "$GAUGE_GO" . gauge-go
CGO=1 build "$XML_REPORT" . xml-report

# A plugin zip is the plugin's own manifest at the root and its binary where the manifest says.
# The go runner's manifest also names install hooks that `go install …@latest` from the network;
# the binary is already here, so they are left out.
export GAUGE_HOME=$cache/gauge-home
mkdir -p "$GAUGE_HOME/config"
# The go runner compiles the steps before it connects: a cold compile takes longer than the
# default 30 s.
printf 'runner_connection_timeout = 600000\n' >"$GAUGE_HOME/config/gauge.properties"
# Gauge reads the plugin's version and platform from the zip's name, as its releases name them.
case "$(go env GOARCH)" in amd64) arch=x86_64 ;; 386) arch=x86 ;; *) arch=$(go env GOARCH) ;; esac
mkdir -p "$cache/plugins"
plugin() {
  local name=$1 module=$2 manifest=$3 binary=$4
  local source=$GOPATH/pkg/mod/${module%@*}@${module##*@} stage zip
  stage=$(mktemp -d)
  mkdir -p "$stage/bin"
  node -e '
    const fs = require("fs");
    const [from, to] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(from, "utf8"));
    delete m.preInstall;
    delete m.postInstall;
    fs.writeFileSync(to, JSON.stringify(m, null, 2));
  ' "$source/$manifest" "$stage/$manifest"
  cp "$cache/bin/$binary" "$stage/bin/$binary"
  zip=$cache/plugins/$name-${module##*@v}-$(go env GOOS).$arch.zip
  rm -f "$zip"
  (cd "$stage" && zip -q -r "$zip" .)
  rm -rf "$stage"
  # Gauge refuses a plugin already there: a run that stopped half way must not block the next.
  rm -rf "$GAUGE_HOME/plugins/$name"
  "$cache/bin/gauge" install "$name" --file "$zip" >&2
}
plugin go "$GAUGE_GO" go.json gauge-go
plugin xml-report "$XML_REPORT" plugin.json xml-report

"$cache/bin/gauge" version >&2
touch "$cache/.complete"
echo "$cache"
