"""设置: what each role may change, and that changes reach the database (and every view)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm.db import Database
from crm.local import read_local_settings
from crm.services import dictionaries, settings, users
from ui import errors
from ui.context import AppContext
from ui.pages.settings import SettingsPage


def _context(db: Database, login: str) -> AppContext:
    user = db.read(users.find_user, login)
    assert user is not None
    return AppContext(db, user.actor())


@pytest.fixture
def admin_page(qtbot, demo_db: Database, wait_idle) -> Iterator[SettingsPage]:
    context = _context(demo_db, "admin")
    context.error.connect(errors.show_error)  # what the main window does
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.show()
    wait_idle(context)
    yield page
    context.stop()


def test_manager_sets_targets_but_not_organisation(qtbot, ctx: AppContext, demo_db: Database,
                                                   wait_idle) -> None:
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    assert page.org_name.text() == "青山区招商局" and page.org_name.isReadOnly()
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "数据库", "单位", "产业目录", "企业层级", "年度目标", "审计日志"]
    page.target_year.setValue(2025)
    wait_idle(ctx)
    assert page.target_table.item(0, 1).text() == "50"
    page.target_table.item(0, 1).setText("52")
    page.save_targets()
    wait_idle(ctx)
    saved = {t.metric: t.value for t in demo_db.read(settings.targets, 2025)}
    assert saved["signed_count"] == 52


def test_staff_sees_everything_read_only(qtbot, demo_db: Database, wait_idle) -> None:
    context = _context(demo_db, "lixm")
    page = SettingsPage(context)
    qtbot.addWidget(page)
    wait_idle(context)
    assert page.org_name.isReadOnly()
    assert not hasattr(page, "new_industry") and not hasattr(page, "user_model")
    assert page.industry_model.rowCount() == 9
    context.stop()


def test_admin_maintains_industries_users_and_organisation(admin_page: SettingsPage,
                                                           demo_db: Database, wait_idle,
                                                           qtmodeltester) -> None:
    ctx = admin_page.ctx
    admin_page.new_industry.setText("航空航天")
    admin_page.add_industry()
    wait_idle(ctx)
    assert "航空航天" in [r.name for r in admin_page.industry_model.rows]
    qtmodeltester.check(admin_page.industry_model)
    row = next(r for r in admin_page.industry_model.rows if r.name == "航空航天")
    admin_page.rename_industry(row.id, "航空航天装备")
    wait_idle(ctx)
    assert "航空航天装备" in [r.name for r in demo_db.read(dictionaries.list_industries)]

    admin_page.new_login.setText("xiaoli")
    admin_page.new_name.setText("小李")
    admin_page.new_password.setText("secret12")
    admin_page.add_user()
    wait_idle(ctx)
    assert demo_db.read(users.authenticate, "xiaoli", "secret12").role == "staff"
    assert "xiaoli" in [u.login for u in admin_page.user_model.rows]
    qtmodeltester.check(admin_page.user_model)

    admin_page.org_name.setText("青山区投资促进局")
    admin_page.save_org()
    wait_idle(ctx)
    assert demo_db.read(settings.org_name) == "青山区投资促进局"


def test_a_refused_change_shows_the_core_message(admin_page: SettingsPage, wait_idle) -> None:
    errors.recent.clear()
    admin_page.new_industry.setText("新材料")  # exists already
    admin_page.add_industry()
    wait_idle(admin_page.ctx)
    assert errors.recent[-1] == "产业“新材料”已存在"


def test_database_choice_is_saved_for_this_computer(admin_page: SettingsPage, tmp_path) -> None:
    admin_page.db_url.setText(str(tmp_path / "office.db"))
    admin_page.save_database()
    assert read_local_settings()["database_url"] == f"sqlite:///{tmp_path / 'office.db'}"
    admin_page.db_url.setText("postgresql://crm:pw-123@server:5432/crm")
    admin_page.save_database()
    # the password is never written to settings.json (keyring where one exists, else asked)
    assert read_local_settings()["database_url"] == "postgresql+psycopg://crm@server:5432/crm"
    from crm.local import settings_file
    assert "pw-123" not in settings_file().read_text(encoding="utf-8")
    assert "pw-123" not in admin_page.db_status.text()
    errors.recent.clear()
    admin_page.db_url.setText("mysql://nope")
    admin_page.save_database()
    assert "数据库地址无效" in errors.recent[-1]


def test_admin_sees_people_without_a_login_and_grants_one(admin_page: SettingsPage,
                                                          demo_db: Database, wait_idle) -> None:
    from crm.services.common import SYSTEM

    person = demo_db.run(users.create_person, SYSTEM, "周敏")
    admin_page.reload()
    wait_idle(admin_page.ctx)
    model = admin_page.user_model
    row = next(i for i, r in enumerate(model.rows) if r.id == person.id)
    assert model.index(row, 0).data() == "未开通登录"
    admin_page.grant_login(person.id, "zhoumin", "secret12")
    wait_idle(admin_page.ctx)
    assert demo_db.read(users.authenticate, "zhoumin", "secret12").display_name == "周敏"
    row = next(i for i, r in enumerate(model.rows) if r.id == person.id)
    assert model.index(row, 0).data() == "zhoumin"
    errors.recent.clear()
    admin_page.grant_login(person.id, "again", "secret12")
    wait_idle(admin_page.ctx)
    assert errors.recent[-1] == "“周敏”已有登录名 zhoumin"
