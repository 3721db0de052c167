#!/usr/bin/env bash
# The test suite, in two pytest processes side by side, so the two cores both work: the browser
# journeys and the Ansible playbooks (mostly waiting on a demo server, a browser and
# ansible-playbook), the security matrix and the mail servers' tests, beside everything else.
# With arguments, one pytest run with those arguments.
set -uo pipefail
cd "$(dirname "$0")/.."
pytest=.venv/bin/pytest
if [ $# -gt 0 ]; then exec "$pytest" "$@"; fi

slow_parts=(tests/journeys tests/ansible tests/security tests/mail_service)
log=$(mktemp)
# A temporary root of each process's own: pytest prunes the older numbered directories under
# the shared /tmp/pytest-of-<user>, which can be the other process's (slapd's data, mailboxes).
temp=$(mktemp -d)
# Its own cache database (each test empties the cache it uses: tests/conftest.py) and its own
# test database on PostgreSQL (pytest-django names it after DATABASE_URL's).
side_env=()
if [[ ${MUTUALIS_TEST_CACHE_URL:-} == redis://* ]]; then
    side_env+=("MUTUALIS_TEST_CACHE_URL=${MUTUALIS_TEST_CACHE_URL%/*}/13")
fi
if [[ ${DATABASE_URL:-} == postgres* ]]; then
    side_env+=("DATABASE_URL=${DATABASE_URL%/*}/mutualis_side")
fi
env "${side_env[@]}" "$pytest" -p no:cacheprovider --basetemp="$temp/side" --durations=10 "${slow_parts[@]}" >"$log" 2>&1 &
side=$!
"$pytest" -p no:cacheprovider --basetemp="$temp/main" --durations=20 $(printf -- '--ignore=%s ' "${slow_parts[@]}")
main_rc=$?
wait "$side"
side_rc=$?
echo "===== ${slow_parts[*]} ====="
cat "$log"
rm -rf "$log" "$temp"
echo "main part: exit $main_rc; ${slow_parts[*]}: exit $side_rc"
[ "$main_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
