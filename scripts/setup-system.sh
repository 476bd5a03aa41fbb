#!/bin/sh
# Install the system components ierkg needs, only those that are missing (Debian/Ubuntu).
#   python3 venv - to create the project's virtual environment
#   Java (JRE)   - HermiT, for `ierkg build` and the reasoner tests
#   with --browser: Chromium and ChromeDriver, for the browser tests
#   with --servers: Debian's virtuoso-opensource, a real SPARQL server for the store tests
#                   (the tests start their own instances; Debian's system service is not started)
# Usage: setup-system.sh [--browser] [--servers]
set -eu

browser=""
servers=""
for option in "$@"; do
    case "$option" in
        --browser) browser=1 ;;
        --servers) servers=1 ;;
        *) echo "setup-system.sh: unknown option $option" >&2; exit 2 ;;
    esac
done

missing=""
python3 -c "import ensurepip, venv" 2>/dev/null || missing="$missing python3-venv"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
if [ -n "$browser" ]; then
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
fi
if [ -n "$servers" ]; then
    command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource"
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

# Debian's Virtuoso package asks for a DBA password and starts a system-wide server; the tests
# need neither (each starts its own instance from a config file in a temporary folder), so the
# question gets the package's usual answer and no service is started while installing.
no_services=""
case "$missing" in
    *virtuoso*)
        for question in dba-password dba-password-again; do
            echo "virtuoso-opensource-7 virtuoso-opensource-7/$question password dba" | $sudo debconf-set-selections
        done
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
            $sudo chmod 755 /usr/sbin/policy-rc.d
            no_services=1
        fi
        ;;
esac
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
status=0
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || status=$?
[ -n "$no_services" ] && $sudo rm -f /usr/sbin/policy-rc.d
exit "$status"
