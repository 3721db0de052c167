#!/usr/bin/env bash
# Installs what Mutualis needs on a Debian machine: system packages (with apt-get, when
# missing) and a Python virtual environment in .venv with the project and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
    slapd ldap-utils libldap2-dev libsasl2-dev   # the directory (python-ldap builds on these)
    gcc python3-dev python3-venv                # packages that compile
    chromium                                    # browser tests (Playwright drives Debian's build)
    poppler-utils libnss3-tools softhsm2        # signature tests: pdfsig/pdftotext, certutil, SoftHSM2
    redis-server                                # the shared cache test (two web processes, one Redis)
    postfix postfix-ldap                        # shared mail: Postfix with LDAP maps (mail_service/)
    dovecot-imapd dovecot-lmtpd dovecot-ldap    # shared mail: IMAP, LMTP delivery, LDAP auth
    opendkim                                    # shared mail: DKIM signing (mail_service/dkim.py)
    file                                        # libmagic and its database: the GED's formats (python-magic)
    ocrmypdf tesseract-ocr-fra                  # courrier: OCR of scanned mail (French)
    caddy pebble                                # deploy test: the front, and an ACME test server
    xmlsec1                                     # PES: the independent XML-DSig verifier (pes/verify.py)
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "Mutualis needs Python 3.11 (found $("$PYTHON" --version)); set PYTHON=python3.11" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
