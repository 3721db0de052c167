"""Command line: ``python -m tests.doubles.nextcloud_emulator --admin USER:PASSWORD``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import Emulator


def _admin(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def _rate(value: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError("the fault rate must be between 0 and 1")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.doubles.nextcloud_emulator",
        description="Run the Nextcloud emulator (test infrastructure, not Nextcloud).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--admin", type=_admin, required=True, metavar="USER:PASSWORD")
    parser.add_argument(
        "--no-groupfolders", action="store_true", help="run without the groupfolders app"
    )
    parser.add_argument(
        "--data-dir", default=None, help="where files are stored (default: a temporary directory)"
    )
    parser.add_argument(
        "--fault-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share of requests (0..1) answered 500/502/503 or delayed",
    )
    parser.add_argument(
        "--fault-latency",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="delay of the 'timeout' faults",
    )
    parser.add_argument("--fault-seed", type=int, default=None)
    args = parser.parse_args(argv)

    emulator = Emulator(
        admin=args.admin,
        groupfolders=not args.no_groupfolders,
        data_dir=args.data_dir,
        fault_rate=args.fault_rate,
        fault_latency=args.fault_latency,
        seed=args.fault_seed,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    url = emulator.start(args.host, args.port)
    print(f"Nextcloud emulator (test double) listening on {url}", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
