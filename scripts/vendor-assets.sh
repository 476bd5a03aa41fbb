#!/bin/sh
# Refresh the front-end files the web pages and browser tests use, so that no page ever loads
# anything from another server. Run by hand when a version below changes; the results are
# committed, and the service never needs npm.
#   YASGUI   (MIT)      -> web/static/vendor/yasgui/   the SPARQL editor on /sparql
#   axe-core (MPL-2.0)  -> tests/browser/vendor/       the accessibility check the browser tests run
set -eu
cd "$(dirname "$0")/.."

YASGUI="@zazuko/yasgui@4.6.2 sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="
AXE="axe-core@4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch PACKAGE@VERSION INTEGRITY -> unpacked into $work/<name>
    spec="$1"; integrity="$2"; name="$3"
    tarball="$(cd "$work" && npm pack --silent "$spec")"
    actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
        echo "$spec: integrity $actual, expected $integrity" >&2
        exit 1
    fi
    mkdir -p "$work/$name"
    tar xzf "$work/$tarball" -C "$work/$name"
}

# shellcheck disable=SC2086
fetch $YASGUI yasgui
# shellcheck disable=SC2086
fetch $AXE axe

mkdir -p web/static/vendor/yasgui tests/browser/vendor
cp "$work/yasgui/package/build/yasgui.min.js" "$work/yasgui/package/build/yasgui.min.css" web/static/vendor/yasgui/
cp "$work/axe/package/axe.min.js" "$work/axe/package/LICENSE" tests/browser/vendor/
# The YASGUI package ships no licence file; its package.json names the licence and authors.
node -e '
const p = require(process.argv[1]);
console.log(`${p.name} ${p.version}: web/static/vendor/yasgui/yasgui.min.js and yasgui.min.css, unchanged.
Licence: ${p.license}. Author: ${p.author}; contributors: ${(p.contributors || []).map(c => c.name).join(", ")}.
Source and licence text: ${p.homepage}`);
' "$work/yasgui/package/package.json" > web/static/vendor/yasgui/NOTICE
echo "vendored ${YASGUI%% *} and ${AXE%% *}"
