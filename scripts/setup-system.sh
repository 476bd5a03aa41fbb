#!/bin/sh
# Install the system components ierkg needs, only those that are missing (Debian/Ubuntu).
#   python3 venv - to create the project's virtual environment
#   Java (JRE)   - HermiT, for `ierkg build` and the reasoner tests
#   Chromium and ChromeDriver - the browser tests (only with --browser, as scripts/test asks)
set -eu

missing=""
python3 -c "import ensurepip, venv" 2>/dev/null || missing="$missing python3-venv"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
if [ "${1:-}" = "--browser" ]; then
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "ierkg needs:$missing. Install them (apt-get install$missing) and run this again." >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ierkg needs:$missing, and this is not a Debian-like system; install them and run again." >&2
    exit 1
fi
echo "installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
