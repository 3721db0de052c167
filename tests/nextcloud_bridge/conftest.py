"""Fixtures starting the Nextcloud emulator (test double) on a loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.doubles.nextcloud_emulator import Emulator

ADMIN = ("admin", "admin-secret")


@dataclass
class RunningEmulator:
    emulator: Emulator
    url: str
    data_dir: Path

    def client(
        self,
        user: str = ADMIN[0],
        password: str = ADMIN[1],
        ocs: bool = True,
        timeout: float = 10.0,
    ) -> httpx.Client:
        headers = {"OCS-APIRequest": "true"} if ocs else {}
        return httpx.Client(
            base_url=self.url, auth=(user, password), headers=headers, timeout=timeout
        )


@pytest.fixture
def nc_emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator with the groupfolders app, its files under ``tmp_path / 'data'``."""
    data_dir = tmp_path / "data"
    emulator = Emulator(admin=ADMIN, groupfolders=True, data_dir=data_dir)
    with emulator.serve() as url:
        yield RunningEmulator(emulator=emulator, url=url, data_dir=data_dir)
    emulator.close()


@pytest.fixture
def nc_admin(nc_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """An httpx client authenticated as the emulator's admin, sending OCS-APIRequest."""
    with nc_emulator.client() as client:
        yield client


@pytest.fixture
def make_user(nc_admin: httpx.Client) -> Callable[..., str]:
    """Create a user (and its groups) through the provisioning API."""

    def make(uid: str, password: str = "pw-" + "x" * 8, groups: tuple[str, ...] = ()) -> str:
        for gid in groups:
            nc_admin.post("/ocs/v2.php/cloud/groups", data={"groupid": gid})
        answer = nc_admin.post(
            "/ocs/v2.php/cloud/users",
            params={"format": "json"},
            json={"userid": uid, "password": password, "groups": list(groups)},
        )
        assert answer.status_code == 200, answer.text
        return uid

    return make


@pytest.fixture
def nc_plain(tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator without the groupfolders app."""
    data_dir = tmp_path / "plain"
    emulator = Emulator(admin=ADMIN, groupfolders=False, data_dir=data_dir)
    with emulator.serve() as url:
        yield RunningEmulator(emulator=emulator, url=url, data_dir=data_dir)
    emulator.close()


def driver_settings(running: RunningEmulator, **extra: object) -> dict:
    """The nextcloud backend settings of a running emulator, as the inventory resolves them."""
    return {"url": running.url, "user": ADMIN[0], "password": ADMIN[1], "timeout": 5,
            **extra}


@pytest.fixture
def nc_settings(nc_emulator: RunningEmulator, settings) -> dict:
    """Point the bridge's public functions (MUTUALIS_NEXTCLOUD) at the emulator."""
    settings.MUTUALIS_NEXTCLOUD = driver_settings(nc_emulator)
    return settings.MUTUALIS_NEXTCLOUD
