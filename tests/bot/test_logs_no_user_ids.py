"""The log never holds who ran a command (SECURITY.md): /reindex and failing commands name the server, not the member.

Through discord.py's real client and the fake Discord server (test_discord_faults.Online): every record any logger
writes at the bot's level (INFO), tracebacks included, is searched for the member's id.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from quotebot.index import Answer
from tests.bot.discord_fakes import FakeEngine, FakeLoader
from tests.bot.discord_http_server import APP_ID, expired, server_error
from tests.bot.test_discord_faults import GUILD, Online, _ids, online, token_of

FIXTURES = (online,)  # pytest finds it by this name in this module

MEMBER = 734958216047395821  # who runs the commands: never in the log
MANAGE_SERVER = 2048 | 32


class ReloadingLoader(FakeLoader):
    """The fake loader, rebuilding for the config the bot read (as EngineLoader.rebuild takes it)."""

    def rebuild(self, scope: Any = None, config: Any = None, *, current: Any = None) -> FakeEngine:
        return super().rebuild(scope)


@pytest.fixture
def loader(engine: FakeEngine) -> FakeLoader:
    return ReloadingLoader(engine)


def written(caplog: pytest.LogCaptureFixture) -> str:
    """Return every record as a handler writes it (its traceback too)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_reindex_logs_the_server_and_not_who_asked(online: Online, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        token = await online.interact(
            {"id": "781", "name": "reindex", "type": 1}, user=MEMBER, permissions=MANAGE_SERVER
        )
    assert online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")  # it ran, and answered
    assert f"reindex requested in server {GUILD}" in written(caplog)
    assert str(MEMBER) not in written(caplog)


@pytest.mark.parametrize("failure", ["a bug", "expired", "undeliverable"])
async def test_a_failing_command_logs_the_server_and_not_who_ran_it(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    interaction = next(_ids)
    if failure == "a bug":

        def broken(question: str, top_k: int) -> Answer:
            raise RuntimeError("the index is on fire")

        engine.respond = broken
    elif failure == "expired":
        online.fake.script("POST", f"/interactions/{interaction}/{token_of(interaction)}/callback", expired(10062))
    else:
        online.fake.script("POST", f"/webhooks/{APP_ID}/{token_of(interaction)}", *[server_error(500)] * 10)
    options = [{"name": "question", "type": 3, "value": "What about backdoors?"}]
    with caplog.at_level(logging.INFO):
        await online.interact(
            {"id": "777", "name": "ask", "type": 1, "options": options}, interaction_id=interaction, user=MEMBER
        )
    [line] = [r for r in caplog.records if r.name == "quotebot.bot.exts.errors"]  # the failure is logged once
    assert f"in server {GUILD}" in line.getMessage()
    assert str(MEMBER) not in written(caplog)
