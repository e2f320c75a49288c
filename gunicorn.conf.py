"""gunicorn settings for twinwise: `gunicorn -c gunicorn.conf.py twinwise.wsgi`.

Why a config file: the registry's in-memory facet index (partnerships/facets.py, ADR 0005)
the case index (cases/index.py, ADR 0009) and the similar-case vectors (similar/index.py,
ADR 0017) take tens of seconds to build at 1M partnerships. Built lazily in each worker, that first
request outlives gunicorn's default 30 s timeout and the worker is killed mid-build. So the
master builds it once before forking: workers inherit it copy-on-write (one copy of the
arrays for all workers) and answer at once. A worker still rebuilds on its own when the
data version changes (a write, an import) — that rebuild is what `timeout` must allow
(the case index patches itself with the changed reports instead: well under a second).

Workers and address stay gunicorn's to set: `-w 4 -b 127.0.0.1:8000` (or WEB_CONCURRENCY).
Command-line flags win over this file.
"""

import gc

# A worker rebuilding the registry index after a write runs inside one request: tens of
# seconds at 1M rows on a busy machine.
timeout = 120
# Load Django (and build the index, below) in the master, then fork.
preload_app = True


def on_starting(server):
    """Build the registry index in the master, before the port opens and workers fork.

    Runs after the app is loaded (preload_app). Until the build is done the port is closed,
    so a proxy or health check sees "not up yet" rather than a request hanging on a build.
    """
    if not server.cfg.preload_app:  # `--no-preload` given: workers build on first use
        return
    from django.db import connections

    from twinwise.access.actors import Actor
    from twinwise.partnerships import facets
    from twinwise.partnerships.selectors import parse_registry_query, partnership_search

    try:
        index = facets.get_index()
        # One public registry search also fills the snapshot's caches (public base mask,
        # facet labels) and Django's lazy imports, so workers inherit those too.
        partnership_search(actor=Actor.anonymous(), query=parse_registry_query({}))
        server.log.info("registry index built: %s partnerships", f"{index.n:,}")
        from twinwise.cases.index import case_index  # the same for reports (ADR 0009)

        server.log.info("case index built: %s reports", f"{case_index().n:,}")
        from twinwise.similar.selectors import similar_index  # similar cases (ADR 0017)

        similar_index()
        server.log.info("similar-case index built")
    except Exception:  # e.g. not migrated yet: serve anyway, workers build on first use
        server.log.exception("registry index not built in the master")
    finally:
        # A forked child must not share the master's SQLite/PostgreSQL connection.
        connections.close_all()
    # Keep the index's objects out of later garbage collections, so the collector does
    # not write to (and so copy) the pages every worker shares.
    gc.freeze()
