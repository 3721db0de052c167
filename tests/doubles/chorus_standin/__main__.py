"""python -m tests.doubles.chorus_standin --port 8790 --account LOGIN:PASSWORD:STRUCTURE"""

import argparse
import time

from .server import ChorusStandIn


def main() -> None:
    parser = argparse.ArgumentParser(prog="chorus-standin")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--client-id", default="piste-app")
    parser.add_argument("--client-secret", default="piste-secret")
    parser.add_argument("--account", action="append", default=[],
                        help="LOGIN:PASSWORD:ID_STRUCTURE (repeatable)")
    args = parser.parse_args()
    standin = ChorusStandIn(port=args.port, client_id=args.client_id,
                            client_secret=args.client_secret).start()
    for spec in args.account:
        login, password, structure = spec.rsplit(":", 2)
        standin.account(login, password, int(structure))
    print(f"Chorus Pro stand-in (not Chorus Pro) on {standin.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
