"""Sign-in against guessing: growing waits, the same work for every name, every attempt on record."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest

import metrics.auth as auth
from metrics.auth import AuthError, User, authenticate, create_first_admin, create_user, set_active
from metrics.store import Store
from metrics.throttle import USER_POLICY, Policy, wait_seconds

PASSWORD = "correct horse battery"
IAN_PASSWORD = "another long secret"
T0 = dt.datetime(2026, 12, 2, 9, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(auth, "now", c)
    return c


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> Store:
    s = Store(tmp_path / "auth.duckdb")
    admin = create_first_admin(s, "ada", PASSWORD)
    create_user(s, admin, "ian", "inspector", IAN_PASSWORD)
    return s


def _at(*seconds: float) -> list[dt.datetime]:
    return [T0 + dt.timedelta(seconds=s) for s in seconds]


P = Policy(free=3, base=10.0, cap=40.0, window=100.0)


@pytest.mark.parametrize(
    ("failures", "now", "expected"),
    [
        ([], 0, 0.0),  # 1: nothing failed
        ([0, 1], 2, 0.0),  # 2: under the free allowance
        ([0, 1, 2], 2, 10.0),  # 3: the allowance used: the first wait
        ([0, 1, 2], 7, 5.0),  # 4: part of it passed
        ([0, 1, 2], 12, 0.0),  # 5: all of it passed
        ([0, 1, 2, 3], 3, 20.0),  # 6: each further failure doubles it
        ([0, 1, 2, 3, 4, 5, 6], 6, 40.0),  # 7: up to the cap
        ([0, 1, 2], 150, 0.0),  # 8: failures past the window are forgotten
        ([0] * 200, 0, 40.0),  # 9: very many: still the cap, no overflow
    ],
)
def test_wait_grows_with_failures(failures: list[float], now: float, expected: float) -> None:
    assert wait_seconds(_at(*failures), _at(now)[0], P) == pytest.approx(expected)


def test_lockout_holds_even_the_right_password_then_lifts(store: Store, clock: Clock) -> None:
    for _ in range(USER_POLICY.free):
        clock.advance(1)
        with pytest.raises(AuthError, match="sign-in failed"):
            authenticate(store, "ian", "wrong password!")
    clock.advance(1)
    with pytest.raises(AuthError, match="try again in 29 seconds"):
        authenticate(store, "ian", IAN_PASSWORD)  # the right password, too soon (1 s after)
    clock.advance(USER_POLICY.base)
    with pytest.raises(AuthError, match="sign-in failed"):
        authenticate(store, "ian", "still wrong!!")
    clock.advance(USER_POLICY.base + 1)  # the wait doubled: 30 s is not enough now
    with pytest.raises(AuthError, match="try again"):
        authenticate(store, "ian", IAN_PASSWORD)
    clock.advance(USER_POLICY.base)
    assert authenticate(store, "ian", IAN_PASSWORD).username == "ian"
    # A success clears the count: one more mistake does not pause the account.
    with pytest.raises(AuthError, match="sign-in failed"):
        authenticate(store, "ian", "wrong password!")
    log = store.df("SELECT username, action, outcome FROM audit_log WHERE username = 'ian' ORDER BY audit_id")
    assert log["action"].tolist().count("login_locked") == 2
    assert log.iloc[-2].tolist() == ["ian", "login", "ok"]


def test_unknown_names_are_paused_like_real_ones(store: Store, clock: Clock) -> None:
    """Otherwise the pause itself would tell an attacker which names exist."""
    for name in ("ian", "nobody"):
        for _ in range(USER_POLICY.free):
            with pytest.raises(AuthError, match="sign-in failed"):
                authenticate(store, name, "wrong password!")
        with pytest.raises(AuthError, match="try again in 30 seconds"):
            authenticate(store, name, "wrong password!")


def test_one_client_trying_many_names_is_paused(store: Store, clock: Clock) -> None:
    for i in range(auth.CLIENT_POLICY.free):
        with pytest.raises(AuthError, match="sign-in failed"):
            authenticate(store, f"guess{i}", "wrong password!", client="203.0.113.9")
    with pytest.raises(AuthError, match="try again"):
        authenticate(store, "ian", IAN_PASSWORD, client="203.0.113.9")
    assert authenticate(store, "ian", IAN_PASSWORD, client="198.51.100.1").username == "ian"  # another client


def test_the_limit_is_counted_across_processes_from_the_audit_log(store: Store, clock: Clock) -> None:
    """The CLI starts a new process each time: the count must not restart with it."""
    for _ in range(USER_POLICY.free):
        with pytest.raises(AuthError):
            authenticate(store, "ian", "wrong password!")
    auth.failures.reset()  # a fresh process remembers nothing
    with pytest.raises(AuthError, match="try again"):
        authenticate(store, "ian", IAN_PASSWORD)


def test_one_client_is_counted_across_processes_from_the_audit_log(store: Store, clock: Clock) -> None:
    """Replicas behind one load balancer: a client's guesses spread over processes still add up."""
    for i in range(auth.CLIENT_POLICY.free):
        clock.advance(1)
        auth.failures.reset()  # each guess reaches a fresh process
        with pytest.raises(AuthError, match="sign-in failed"):
            authenticate(store, f"guess{i}", "wrong password!", client="203.0.113.9")
    auth.failures.reset()
    with pytest.raises(AuthError, match="try again"):
        authenticate(store, "ian", IAN_PASSWORD, client="203.0.113.9")
    # A client whose address merely starts the same is someone else.
    assert authenticate(store, "ian", IAN_PASSWORD, client="203.0.113.90").username == "ian"
    assert authenticate(store, "ian", IAN_PASSWORD, client="203_0%113.9").username == "ian"


@pytest.mark.parametrize("case", ["real, right", "real, wrong", "unknown", "disabled", "invalid name", "oidc"])
def test_every_name_costs_one_password_hash(store: Store, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The same Argon2id work for unknown and real users: timing cannot enumerate names."""
    create_user(store, User("ada", "admin"), "vic", "viewer", PASSWORD)
    set_active(store, User("ada", "admin"), "vic", False)
    create_user(store, User("ada", "admin"), "olga@example.org", "viewer", source="oidc")
    hashes: list[str] = []
    real_verify = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        hashes.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    name, password = {
        "real, right": ("ian", IAN_PASSWORD), "real, wrong": ("ian", "wrong password!"),
        "unknown": ("nobody", IAN_PASSWORD), "disabled": ("vic", PASSWORD),
        "invalid name": ("ia\u200bn", IAN_PASSWORD), "oidc": ("olga@example.org", "anything at all"),
    }[case]
    with contextlib.suppress(AuthError):  # which outcome is not the point here: the work done is
        authenticate(store, name, password)
    assert len(hashes) == 1
    # The stand-in hash has the real ones' cost parameters (memory, iterations, lanes).
    real = store.scalar("SELECT password_hash FROM app_user WHERE username = 'ian'")
    assert hashes[0].rsplit("$", 2)[0] == real.rsplit("$", 2)[0]


def test_sign_ins_on_a_read_only_server_are_logged_to_a_file(store: Store, tmp_path: Path) -> None:
    path = store.path
    store.close()
    with Store(path, read_only=True) as ro:
        assert authenticate(ro, "Ian", IAN_PASSWORD).username == "ian"  # names fold: Ian is ian
        with pytest.raises(AuthError):
            authenticate(ro, "ian", "wrong password!", client="192.0.2.7")
    lines = [json.loads(line) for line in auth.signin_log_path().read_text(encoding="utf-8").splitlines()]
    assert [(e["username"], e["action"], e["outcome"]) for e in lines] == [
        ("ian", "login", "ok"), ("ian", "login", "refused")]
    assert lines[1]["detail"] == {"client": "192.0.2.7"} and lines[0]["store"] == path


def test_new_accounts_follow_the_name_and_password_rules(store: Store) -> None:
    admin = User("ada", "admin")
    for name, password, refused_for in [
        ("\u0430da", "a good long passphrase", "mix scripts"),
        ("ada\u200b", "a good long passphrase", "invisible"),
        ("Ada", "a good long passphrase", "already exists"),  # the same account as ada
        ("sam", "password12", "common"),
        ("samwise", "samwise123", "user name"),
        ("sam", " " * 10, "repeated"),
    ]:
        with pytest.raises(ValueError, match=refused_for):
            create_user(store, admin, name, "viewer", password)
    assert create_user(store, admin, "Sam.Gamgee", "viewer", "a good long passphrase").username == "sam.gamgee"
