"""Users, roles and password hashes for the web app's login (on when HRDOCS_USERS_FILE is set).

The users file is TOML:

    [[user]]
    name = "anna"
    password_hash = "pbkdf2_sha256$600000$<salt hex>$<hash hex>"
    role = "admin"            # "admin" may upload and remove documents; "user" may not
    groups = ["hr-only"]      # access groups whose documents this user may read

Make a hash with `python -c "from ui.auth import hash_password; print(hash_password('secret'))"`,
or a whole entry with `user_entry(...)`. Only hashes are stored, never passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

ALGORITHM = "pbkdf2_sha256"
# OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; about 0.3 s per login on these machines.
ITERATIONS = 600_000
ROLES = ("admin", "user")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str = "user"
    groups: tuple[str, ...] | None = ()  # None: no access control (login off, local use)
    password_hash: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.name or "local"


# Who you are when login is off: the local user, who may do everything and read everything.
LOCAL_USER = User(name="", role="admin", groups=None)
# A request whose user is not (or no longer) in the users file: may read only public documents.
NOBODY = User(name="?", role="none", groups=())


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$iterations$salt$hash`, salt and hash in hex."""
    if not password:
        raise AssistantError("A password must not be empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash; False (never an error) for malformed hashes."""
    try:
        algorithm, iterations, salt, expected = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected.lower())


def user_entry(name: str, password: str, role: str = "user", groups: Sequence[str] = ()) -> str:
    """One `[[user]]` entry for a users file, with the password hashed."""
    if role not in ROLES:
        raise AssistantError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    group_list = ", ".join(_toml_str(g) for g in groups)
    return (
        f"[[user]]\nname = {_toml_str(name)}\npassword_hash = {_toml_str(hash_password(password))}\n"
        f"role = {_toml_str(role)}\ngroups = [{group_list}]\n"
    )


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Users:
    """The users of a users file, by name."""

    def __init__(self, users: Iterable[User]) -> None:
        self._by_name = {u.name: u for u in users}
        # Compared against when the name is unknown, so a wrong name costs as long as a wrong password.
        self._dummy = hash_password("not a password", iterations=ITERATIONS)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str | None) -> User | None:
        return self._by_name.get(name or "")

    def verify(self, name: str, password: str) -> bool:
        """Gradio's `auth=` callable: True when the name is known and the password matches."""
        user = self._by_name.get(name)
        ok = check_password(user.password_hash if user else self._dummy, password or "")
        return ok and user is not None

    def groups(self) -> list[str]:
        """Every access group any user belongs to, sorted."""
        return sorted({g for u in self._by_name.values() for g in (u.groups or ())})


def load_users(path: Path) -> Users:
    """Read and check a users file; every problem is reported at once.

    Raises:
        AssistantError: the file is missing, not TOML, or an entry is incomplete.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AssistantError(f"Users file {path} does not exist (HRDOCS_USERS_FILE / --users-file)") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssistantError(f"Users file {path} is not valid TOML: {exc}") from exc
    problems: list[str] = []
    users: list[User] = []
    raw_users = data.get("user", [])
    if not isinstance(raw_users, list):
        raw_users = []
    for n, raw in enumerate(raw_users, 1):
        where = f"[[user]] number {n}"
        if not isinstance(raw, dict):
            problems.append(f"{where} is not a table")
            continue
        name, pw_hash = raw.get("name"), raw.get("password_hash")
        role, groups = raw.get("role", "user"), raw.get("groups", [])
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where} needs a name")
            continue
        where = f"user {name!r}"
        if not isinstance(pw_hash, str) or not pw_hash.startswith(ALGORITHM + "$") or pw_hash.count("$") != 3:
            problems.append(f"{where}: password_hash must look like {ALGORITHM}$iterations$salt$hash")
        if role not in ROLES:
            problems.append(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            problems.append(f"{where}: groups must be a list of strings")
            groups = []
        if any(u.name == name for u in users):
            problems.append(f"{where} is listed twice")
        users.append(User(name=name, role=str(role), groups=tuple(groups), password_hash=str(pw_hash)))
    if not users and not problems:
        problems.append("no [[user]] entries")
    if problems:
        raise AssistantError(f"Users file {path}: " + "; ".join(problems))
    return Users(users)
