"""Runbook library administration, as a standalone program (the `sre-agent runbooks` commands run it):

    python -m mcp_servers.ssm.admin publish [--dir DIR]   # create/update SSM documents (default: the built-in library)
    python -m mcp_servers.ssm.admin list [--json]                    # runbooks published in SSM
    python -m mcp_servers.ssm.admin show ID

Uses the standard AWS environment (AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL) and the servers'
SRE_MCP_* settings (--region, --endpoint-url, ... win over them)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..common.aws import clients_from_settings
from ..common.settings import AWS, ServerSettings, cli_flags, settings_from_args
from .library import builtin_runbooks_dir, ssm_runbooks
from .publish import publish_runbooks
from .runbooks import RunbookError, load_runbooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runbooks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    publish = sub.add_parser("publish", help="create or update every runbook as an SSM document (tagged sre-agent:runbook)")
    publish.add_argument("--dir", type=Path, default=None,
                         help="runbook library directory (default: the built-in library shipped with the server)")
    listing = sub.add_parser("list", help="runbooks published in SSM")
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one published runbook")
    show.add_argument("runbook_id")
    defaults = ServerSettings()
    for each in (publish, listing, show):
        cli_flags(each, tuple(f for f in AWS if f != "call_timeout"), defaults)
    args = parser.parse_args(argv)
    try:
        ssm = clients_from_settings(settings_from_args(args)).client("ssm")
        if args.command == "publish":
            directory = args.dir or builtin_runbooks_dir()
            names = publish_runbooks(ssm, load_runbooks(directory))
            print(f"published {len(names)} runbooks from {directory}: {', '.join(names)}")
            return 0
        found, problems = ssm_runbooks(ssm)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        if args.command == "list":
            rows = [{"id": rid, "title": rb.title, "category": rb.category, "document": source}
                    for rid, (rb, source) in sorted(found.items())]
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                for row in rows or [{"id": "(none published: run `sre-agent runbooks publish`)", "title": "", "category": ""}]:
                    print(f"{row['id']:<28} {row['category']:<26} {row['title']}")
            return 0
        if args.runbook_id not in found:
            print(f"error: no published runbook {args.runbook_id!r}; published: {', '.join(sorted(found)) or 'none'}",
                  file=sys.stderr)
            return 1
        print(json.dumps(found[args.runbook_id][0].model_dump(mode="json"), indent=2))
        return 0
    except RunbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # AWS errors: say which and stop, no stack trace
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
