"""python -m tests.doubles.s2low_standin --port 8765 [...]: see the package's docstring."""

from .server import main

if __name__ == "__main__":
    main()
