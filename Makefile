# The two entry points of a fresh Debian machine: `make demo` and `make test`.
.PHONY: setup demo test lint bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/mutualis demo

test: setup
	bash scripts/test.sh

lint: setup
	.venv/bin/ruff check .

bench: setup
	for b in benchmarks/bench_*.py; do .venv/bin/python $$b || exit 1; done
