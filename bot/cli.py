"""The `quidprono` command: wires settings, storage, the core and the Discord adapter together."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.cluster import plan_from_env, refuse_sqlite
from bot.config import ConfigError, Environment, load_settings
from bot.core.detect import Detector, detector_for
from bot.core.model import PairSummary, Verdict
from bot.core.scoring import span_for, summarize
from bot.core.settings import Detection, Settings
from bot.core.texts import Names, render_private, render_public
from bot.health import check_heartbeat
from bot.storage import Store, StoredDemand, make_engine
from bot.storage.db import redact

EXIT_FAILED, EXIT_USAGE = 1, 2

NO_TOKEN = """\
quidprono: DISCORD_TOKEN is not set, so the bot cannot log in to Discord.
To get a token: open https://discord.com/developers/applications, choose "New Application", \
open its "Bot" page, press "Reset Token" and copy the token shown. Then start the bot with \
`DISCORD_TOKEN=<your token> make run` (or export DISCORD_TOKEN in your shell first). \
Keep the token secret: whoever has it controls the bot. The README's "Setting up the Discord \
application" section lists the intents to switch on and the invite link to add the bot to a server.
No token yet? `make demo` (or `quidprono demo`) runs the real bot against a local Discord stand-in \
with a seeded community and prints the URL of a page where you can play any member or the moderator: \
no token, no network."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = Environment.read()
    try:
        return int(args.handler(args, env))
    except ConfigError as error:
        print(f"quidprono: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (SQLAlchemyError, OSError) as error:
        print(f"quidprono: database error at {redact(env.database_url)}: {_first_line(error)}"
              " (is DATABASE_URL right, and the schema up to date? `quidprono db upgrade`)", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def snowflake(text: str) -> int:
    """A Discord id: a positive 64-bit integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a numeric Discord id") from None
    if not 0 < value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is not a Discord id (ids are positive 64-bit numbers)")
    return value



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quidprono", description="Answers 'follow me back' demands, kindly.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot")
    run.set_defaults(handler=_run)

    demo = commands.add_parser("demo", help="try the bot locally: a Discord stand-in, a seeded community, a web page")
    demo.add_argument("--host", default="127.0.0.1", help="where the page listens (default 127.0.0.1)")
    demo.add_argument("--port", type=int, help="the page's port (default 8780, or a free one when taken; 0: any)")
    demo.add_argument("--data", type=Path, default=Path("data/demo"), help="the demo's own files (default data/demo)")
    demo.set_defaults(handler=_demo)

    check = commands.add_parser("check", help="classify a message (or stdin lines with --json)")
    check.add_argument("text", nargs="?", help="the message; omit with --json to read one message per line")
    check.add_argument("--json", action="store_true", help="one JSON object per input line")
    check.set_defaults(handler=_check)

    explain = commands.add_parser("explain", help="the latest verdict for a pair and its current history")
    explain.add_argument("--guild", type=snowflake, required=True)
    explain.add_argument("--requester", type=snowflake, required=True)
    explain.add_argument("--target", type=snowflake, required=True)
    explain.add_argument("--json", action="store_true")
    explain.set_defaults(handler=_explain)

    stats = commands.add_parser("stats", help="a server's demands per day, outcomes, top requesters, connections")
    stats.add_argument("--guild", type=snowflake, required=True)
    stats.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    stats.add_argument("--chart", type=Path, help="also write the PNG chart to this file")
    stats.set_defaults(handler=_stats)

    backfill = commands.add_parser("backfill", help="read a server's channel history into the interaction history")
    backfill.add_argument("--guild", type=snowflake, required=True)
    backfill.add_argument("--days", type=int, help="how many days back (default: backfill.default_days)")
    backfill.set_defaults(handler=_backfill)

    web = commands.add_parser("web", help="the moderators' web dashboard (log in with Discord)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    web.set_defaults(handler=_web)

    health = commands.add_parser("health", help="exit 0 when the running bot's heartbeat is fresh")
    health.set_defaults(handler=_health)

    _add_eval(commands)
    _add_db(commands)
    return parser


def _add_eval(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = commands.add_parser("eval", help="measure detection on a labelled TSV")
    evaluate.add_argument("file", type=Path, help="labelled TSV: label, sure, platform, source, id, text")
    evaluate.add_argument("more", type=Path, nargs="*", help="more labelled files, scored together by platform")
    evaluate.add_argument("--by-platform", action="store_true",
                          help="score each platform alone, beside the keyword baseline, and the hard negatives")
    evaluate.add_argument("--misses", action="store_true", help="also list the rows it got wrong")
    evaluate.set_defaults(handler=_eval)


def _add_db(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_db_upgrade)
    downgrade = db_commands.add_parser("downgrade", help="revert migrations (base: drop everything)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(handler=_db_downgrade)


def _settings(env: Environment) -> Settings:
    return load_settings(env.config_path)


def _run(_args: argparse.Namespace, env: Environment) -> int:
    if env.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    settings = _settings(env)
    plan = plan_from_env()
    refuse_sqlite(plan, env.database_url)
    companion = None
    if settings.web.enabled:
        from bot.web.config import WebConfig
        from bot.web.server import beside_the_bot

        companion = beside_the_bot(env, WebConfig.read(), settings)  # its configuration errors come first
    from bot.storage.migrate import upgrade

    migrated = upgrade(env.database_url)  # under a lock: with several processes, one of them applies it
    from bot.adapter.runner import run_bot

    return run_bot(env, settings, plan, migrated, companion)


def _demo(args: argparse.Namespace, env: Environment) -> int:
    from bot.demo import run_demo

    return run_demo(_settings(env), args.data, args.host, args.port)


def _check(args: argparse.Namespace, env: Environment) -> int:
    thresholds = _settings(env).detection
    detector = detector_for(thresholds)
    if not args.json:
        if args.text is None:
            print("quidprono check: give a message, or --json to read one message per line", file=sys.stderr)
            return EXIT_USAGE
        result = detector.classify(args.text)
        print(f"{result.kind or 'none'}" + (f" ({', '.join(result.evidence)})" if result.evidence else ""))
        return 0
    # Bytes that are not UTF-8 become U+FFFD rather than stopping the stream: one answer per line, always.
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", line_buffering=False)
    _check_lines(detector, lines if args.text is None else [args.text], out, thresholds)
    out.flush()
    out.detach()
    return 0


def _check_lines(detector: Detector, lines: Iterable[str], out: TextIO, thresholds: Detection) -> None:
    for line in lines:
        result = detector.classify(line.rstrip("\r\n")).as_dict(thresholds)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


def _web(args: argparse.Namespace, env: Environment) -> int:
    from bot.web.config import WebConfig
    from bot.web.server import run_web

    settings = _settings(env)
    config = WebConfig.read()  # a missing OAuth2 setting is reported before anything else
    from bot.storage.migrate import upgrade

    upgrade(env.database_url)
    return run_web(env, settings, config, args.host, args.port)


def _health(_args: argparse.Namespace, env: Environment) -> int:
    settings = _settings(env).health
    problem = check_heartbeat(Path(settings.heartbeat_file), settings.max_age_seconds)
    print(problem or "healthy", file=sys.stderr if problem else sys.stdout)
    return 1 if problem else 0


def _eval(args: argparse.Namespace, env: Environment) -> int:
    from bot.core.detect import detector_for
    from bot.evaluation import EvalFileError, evaluate_file, format_platforms, read_rows

    files = [args.file, *args.more]
    if missing := next((path for path in files if not path.is_file()), None):
        print(f"quidprono eval: no such file: {missing}", file=sys.stderr)
        return EXIT_USAGE
    detector = detector_for(_settings(env).detection)
    try:
        if args.by_platform or args.more:
            table, met = format_platforms([row for path in files for row in read_rows(path)],
                                          lambda text: detector.classify(text).demand)
            print(table)
            return 0 if met else 1
        report = evaluate_file(args.file, _settings(env).detection)
    except EvalFileError as error:
        print(f"quidprono eval: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(report.format(show_misses=args.misses))
    return 0 if report.meets_targets else 1


def _db_upgrade(args: argparse.Namespace, env: Environment) -> int:
    from bot.storage.migrate import upgrade

    upgrade(env.database_url, args.revision)
    return 0


def _db_downgrade(args: argparse.Namespace, env: Environment) -> int:
    from bot.storage.migrate import downgrade

    downgrade(env.database_url, args.revision)
    return 0


def _explain(args: argparse.Namespace, env: Environment) -> int:
    settings = _settings(env)
    demand, summary = asyncio.run(_explain_data(env, settings, args.guild, args.requester, args.target))
    report = {
        "outcome": demand.outcome.value if demand else None,
        "reasons": demand.reasons if demand else [],
        "evidence": demand.evidence if demand else {},
        "demanded_at": demand.created_at.isoformat() if demand else None,
        "summary": summary.as_dict(),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        verdict = demand.verdict() if demand else None
        print(_explain_text(report, verdict, settings, args.requester, args.target))
    return 0


async def _explain_data(env: Environment, settings: Settings, guild: int, requester: int,
                        target: int) -> tuple[StoredDemand | None, PairSummary]:
    store = Store(make_engine(env.database_url))
    try:
        demand = await store.latest_demand(guild, requester, target)
        history = await store.pair_history(guild, requester, target, span_for(settings.policy, datetime.now(UTC)))
    finally:
        await store.close()
    return demand, summarize(history, settings.policy)


def _explain_text(report: Mapping[str, object], verdict: Verdict | None, settings: Settings, requester: int,
                  target: int) -> str:
    summary = json.dumps(report["summary"], indent=2)
    if verdict is None:
        return f"No demand from {requester} to {target} is stored.\nCurrent history:\n{summary}"
    names = Names(requester=f"@{requester}", target=f"@{target}")
    templates = settings.replies.templates()
    return (f"Verdict ({report['demanded_at']}): {verdict.outcome}\n"
            f"Public reply: {render_public(verdict, templates, names)}\n"
            f"Private explanation:\n{render_private(verdict, templates, names)}\n"
            f"Current history:\n{summary}")


def _stats(args: argparse.Namespace, env: Environment) -> int:
    from bot.cli_moderation import print_stats

    if not 1 <= args.days <= 365:
        print("quidprono stats: --days must be between 1 and 365", file=sys.stderr)
        return EXIT_USAGE
    _settings(env)  # a broken configuration is reported before anything else
    # Like explain, a read: it never migrates; a missing schema is reported by main() with the hint.
    return asyncio.run(print_stats(env, args.guild, args.days, args.chart, sys.stdout))


def _backfill(args: argparse.Namespace, env: Environment) -> int:
    from bot.cli_moderation import run_backfill

    if env.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    settings = _settings(env)
    from bot.storage.migrate import upgrade

    upgrade(env.database_url)
    return asyncio.run(run_backfill(env, settings, args.guild, args.days, sys.stderr))
