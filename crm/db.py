"""Engine, sessions, units of work, migrations and where the database lives."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from crm.changes import NOTHING, Changes
from crm.errors import SchemaError
from crm.models import Revision

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration. Opening a database that is already at it needs no Alembic, whose import
# costs about half a second of the app's start on a slow machine; a test checks it against the
# scripts, so a new migration cannot forget it.
SCHEMA_HEAD = "0025"

# what libpq says when the password is missing or wrong (the window then asks for it)
PASSWORD_NEEDED = ("no password supplied", "password authentication failed")

P = ParamSpec("P")
T = TypeVar("T")


def normalize_url(url: str) -> str:
    """Accept a plain file path for SQLite and ``postgresql://`` for psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk when it returns, so not even a power cut loses it (NORMAL
    # would keep the file intact but could drop the last commits).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _pg_session(dbapi_connection: Any, _record: Any) -> None:
    """No JIT compilation: every read of the app walks an index for a few thousand rows, and
    a statement the planner costs above jit_above_cost (a figure's parts read together at a
    million projects) spent 100–300 ms compiling for a read of 30."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()  # kept: the pool rolls back what a connection leaves open


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once per process (migrating checks them)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that expired


_TOUCHED, _BULK = "crm.touched", "crm.bulk"


def _track_rows(session: Session, _flush_context: Any) -> None:
    """After each flush: the rows it inserted, updated or deleted, by table (see Changes)."""
    touched: dict[str, set[int]] | None = session.info.get(_TOUCHED)
    if touched is None:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        ident = getattr(obj, "id", None)
        if table is not None:
            rows = touched.setdefault(table, set())
            if isinstance(ident, int):
                rows.add(ident)


def _track_statements(state: Any) -> None:
    """A bulk INSERT/UPDATE/DELETE through the session: its table, ids unknown."""
    bulk: set[str] | None = state.session.info.get(_BULK)
    if bulk is None or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if isinstance(name, str):
        bulk.add(name)


class UnitOfWork:
    """One transaction: ``with db.uow() as uow: …; uow.commit()``; rolled back unless committed.

    ``commit`` also bumps the shared revision counter, which is how every open window (in this
    process or another) learns that something changed.
    """

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self.session: Session
        self.revision: int | None = None  # the counter's value this commit set
        self.changes = NOTHING  # what the last commit changed

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.info[_TOUCHED] = {}
        self.session.info[_BULK] = set()
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> Changes:
        """Commit; returns (and keeps in :attr:`changes`) what was changed."""
        self.revision = self.session.execute(
            update(Revision).where(Revision.id == 1).values(value=Revision.value + 1)
            .returning(Revision.value), execution_options={"synchronize_session": False}
        ).scalar_one()
        self.session.commit()
        self.changes = Changes.of(self.session.info[_TOUCHED], self.session.info[_BULK])
        self.session.info[_TOUCHED], self.session.info[_BULK] = {}, set()
        return self.changes

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """A connection to one CRM database (SQLite file or PostgreSQL server)."""

    def __init__(self, url: str, *, upgrade: bool = True):
        self.url = normalize_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise SchemaError(f"数据库地址无效：{url}", code="db.url") from exc
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            # each connection says which program, schema, process and computer it is, so that
            # a restore can name who else has the database open (crm.presence)
            from crm.presence import pg_application_name

            kwargs["connect_args"] = {"application_name": pg_application_name(self.url)}
        try:
            self.engine = create_engine(self.url, **kwargs)
        except Exception as exc:  # missing driver, malformed URL …
            raise SchemaError(f"无法使用数据库地址 {url}：{exc}", code="db.url") from exc
        event.listen(self.engine, "connect", _sqlite_pragmas if self.is_sqlite else _pg_session)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.sessions, "after_flush", _track_rows)
        event.listen(self.sessions, "do_orm_execute", _track_statements)
        if upgrade:
            self.upgrade()

    # --- schema -------------------------------------------------------------------------
    def schema_state(self) -> tuple[str | None, str]:
        """(current revision of the database, newest revision this version knows)."""
        from alembic.runtime.migration import MigrationContext

        head = _scripts().get_current_head()
        assert head is not None
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current, head

    def _at_head(self) -> bool:
        """Whether the database is at :data:`SCHEMA_HEAD`, read without Alembic."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        found = [str(row[0]) for row in rows]
        return found == [SCHEMA_HEAD]

    def upgrade(self) -> None:
        """Create or upgrade the schema; refuse a database written by a newer version."""
        try:
            if self._at_head():
                return
            current, head = self.schema_state()
        except DatabaseError as exc:  # not a database, unreachable server …
            raise self._open_error(exc) from exc
        script = _scripts()
        if current is not None and current != head:
            try:
                script.get_revision(current)
            except Exception as exc:
                raise SchemaError(
                    "该数据库由更新版本的招商 CRM 创建（版本 "
                    f"{current}），请升级本软件后再打开。", code="db.too_new") from exc
        if current == head:
            return
        if current is None and inspect(self.engine).has_table("projects"):
            raise SchemaError("该数据库不是招商 CRM 数据库，或缺少版本信息。", code="db.foreign")
        from alembic import command

        command.upgrade(alembic_config(self.engine), "head")
        from crm import reward_rollup, rollup, search, sortkeys
        from crm.services import duplicate_index

        with self.engine.begin() as conn:  # a table a migration rebuilt lost its triggers
            search.repair(conn)
            sortkeys.repair(conn)
            rollup.repair(conn)
            reward_rollup.repair(conn)
            duplicate_index.repair(conn)
        with self.sessions.begin() as session:
            if session.get(Revision, 1) is None:
                session.add(Revision(id=1, value=0))

    def has_schema(self) -> bool:
        """Whether the database has been initialised (``crm init``); changes nothing."""
        try:
            with self.engine.connect() as conn:
                return inspect(conn).has_table("alembic_version")
        except DatabaseError as exc:
            raise self._open_error(exc) from exc

    def _open_error(self, exc: DatabaseError) -> SchemaError:
        """Why the database cannot be opened, in words the user can act on."""
        text = str(exc.orig)
        url = make_url(self.url)
        if self.is_sqlite:
            if "file is not a database" in text:
                return SchemaError(f"不是 SQLite 数据库文件：{url.database}", code="db.open")
            if "unable to open database file" in text:
                return SchemaError(f"无法打开数据库文件：{url.database}（文件夹不存在或没有读写权限）",
                                   code="db.open")
        elif any(m in text for m in PASSWORD_NEEDED):
            return SchemaError(f"数据库服务器需要密码：{self.describe()}", code="db.password")
        elif f'database "{url.database}" does not exist' in text:
            return SchemaError(
                f"服务器 {url.host or 'localhost'} 上没有数据库“{url.database}”：请先创建它（如 "
                f"createdb -h {url.host or 'localhost'} -U {url.username or 'postgres'} "
                f"-O {url.username or 'postgres'} {url.database}），再运行 crm --db URL init",
                code="db.missing")
        elif "Connection refused" in text or "could not translate host name" in text \
                or "timeout expired" in text:
            return SchemaError(f"连接不到数据库服务器 {url.host}:{url.port or 5432}"
                               "（服务器是否已启动、地址和端口是否正确、防火墙是否放行）",
                               code="db.unreachable")
        return SchemaError(f"无法打开数据库：{exc.orig}", code="db.open")

    # --- work -----------------------------------------------------------------------------
    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def run(self, fn: Callable[Concatenate[UnitOfWork, P], T], *args: P.args,
            **kwargs: P.kwargs) -> T:
        """Call a service in its own unit of work and commit it."""
        with self.uow() as uow:
            result = fn(uow, *args, **kwargs)
            uow.commit()
            return result

    def read(self, fn: Callable[Concatenate[UnitOfWork, P], T], *args: P.args,
             **kwargs: P.kwargs) -> T:
        """Call a read-only service in its own unit of work."""
        with self.uow() as uow:
            return fn(uow, *args, **kwargs)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self.engine.connect() as conn:
            yield conn

    def revision(self) -> int:
        """The change counter: differs from the last reading when anything was committed."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(Revision.value).where(Revision.id == 1)).scalar() or 0)

    def refresh_statistics(self) -> list[str]:
        """SQLite: analyze the tables whose planner statistics are missing or out of date
        (crm.planner); nothing when none are, as for a database closed unchanged. Returns
        the tables analyzed."""
        if not self.is_sqlite:
            return []
        from crm import planner

        with self.engine.connect() as conn:
            found = planner.stale(conn)
        for table in found:  # one transaction each: a writer waits for one table at most
            with self.engine.begin() as conn:
                planner.analyze(conn, [table])
        return found

    def dispose(self) -> None:
        if self.is_sqlite:
            # Statistics only for a table that really changed (not PRAGMA optimize: on SQLite
            # before 3.46 it analyzed a million projects again at every close, crm.planner).
            with contextlib.suppress(Exception):
                self.refresh_statistics()
        self.engine.dispose()

    def describe(self) -> str:
        """The URL without its password, for display."""
        return make_url(self.url).render_as_string(hide_password=True)
