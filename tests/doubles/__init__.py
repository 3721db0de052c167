"""Test doubles: servers that play Nextcloud and S²LOW for the tests and benchmarks. They live
under tests/ so that the installed product never contains them."""
