"""python -m actes.teletransmission.standin --port 8765 [...]: see the package's docstring."""

from .server import main

if __name__ == "__main__":
    main()
