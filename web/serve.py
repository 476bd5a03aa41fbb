"""``ierkg serve``: the web service under waitress, a production WSGI server.

ierkg's command line finds this command through the ``ierkg.commands`` entry point, so the
``ierkg`` package never imports the web layer. Flask is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ierkg.errors import IerkgError
from ierkg.stores.config import add_store_options, config_from_args


def add_command(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the SPARQL endpoint and the concept pages",
        description="Serve /sparql and the concept pages with waitress, from the embedded store (in "
        "memory, or a folder with --store) or a SPARQL server (--endpoint). Settings not given here "
        "come from IERKG_* environment variables (docs/web.md, docs/deploy.md).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=int, help="processes answering SPARQL queries (default: 2)")
    serve.add_argument(
        "--overflow-workers",
        type=int,
        help="extra query processes started while all workers are busy, stopped when idle (default: 4)",
    )
    serve.add_argument("--threads", type=int, default=8, help="threads answering HTTP requests (default: 8)")
    serve.add_argument("--timeout", type=float, help="seconds a SPARQL query may run (default: 10)")
    serve.add_argument("--release", type=Path, help="release folder (default: the packaged release)")
    serve.add_argument("--debug", action="store_true", help="use Flask's development server instead")
    add_store_options(serve)
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from . import create_app
    from .config import Settings

    overrides = {
        name: value
        for name, value in (
            ("query_workers", args.workers),
            ("overflow_workers", args.overflow_workers),
            ("query_timeout", args.timeout),
            ("release", args.release),
        )
        if value is not None
    }
    settings = dataclasses.replace(Settings.from_environment(), store=config_from_args(args), **overrides)
    if settings.query_workers < 1 or args.threads < 1:
        raise IerkgError("--workers and --threads must be at least 1")
    if not 0 < settings.query_timeout <= 86_400:  # also refuses nan, which compares false
        raise IerkgError("--timeout must be more than 0 and at most 86400 seconds")
    if not 0 <= settings.overflow_workers <= 64:
        raise IerkgError("--overflow-workers must be between 0 (no overflow) and 64")
    if not (settings.release / "ierkg.nt").is_file():
        raise IerkgError(
            f"{settings.release} is not an ierkg release (no ierkg.nt); build one with 'ierkg build'"
        )
    app = create_app(settings)
    url = f"http://{args.host}:{args.port}/"
    if args.debug:
        app.run(args.host, args.port, debug=True, use_reloader=False)
        return 0
    from waitress import create_server

    try:
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="ierkg",
            max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 65_536,
        )
    except OSError as exc:
        raise IerkgError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"ierkg is serving {url} (SPARQL at {url}sparql); stop it with Ctrl-C", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
