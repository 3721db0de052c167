#!/usr/bin/env bash
# The test suite, in two pytest processes side by side: the browser journeys and the Ansible
# playbooks (mostly waiting on a demo server, a browser and ansible-playbook) beside everything
# else, so the two cores both work. With arguments, one pytest run with those arguments.
set -uo pipefail
cd "$(dirname "$0")/.."
pytest=.venv/bin/pytest
if [ $# -gt 0 ]; then exec "$pytest" "$@"; fi

slow_parts=(tests/journeys tests/ansible)
log=$(mktemp)
# Its own cache database: each test empties the cache it uses (tests/conftest.py).
cache=${MUTUALIS_TEST_CACHE_URL:-}
if [[ $cache == redis://* ]]; then cache="${cache%/*}/13"; fi
MUTUALIS_TEST_CACHE_URL=$cache "$pytest" -p no:cacheprovider "${slow_parts[@]}" >"$log" 2>&1 &
side=$!
"$pytest" -p no:cacheprovider --durations=20 $(printf -- '--ignore=%s ' "${slow_parts[@]}")
main_rc=$?
wait "$side"
side_rc=$?
echo "===== ${slow_parts[*]} ====="
cat "$log"
rm -f "$log"
echo "main part: exit $main_rc; ${slow_parts[*]}: exit $side_rc"
[ "$main_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
