"""How report statements run on PostgreSQL.

Two server defaults suit the application's short statements and not a report's: JIT
compilation (the benchmark's plans spent about 200 ms compiling a statement that ran in
under a second), and the 4 MB `work_mem` under which the hash aggregates of a year of
actions spill to temporary files. Each report statement runs with JIT off and a larger
`work_mem`, set for the current transaction only (`SET LOCAL`), so nothing else on the
pooled connection is affected.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Result

from cairn.db import db

WORK_MEM = "64MB"


def run_report(statement: sa.Executable) -> Result:
    """Execute a report statement with the settings above."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        db.session.execute(sa.text("SET LOCAL jit = off"))
    return db.session.execute(statement)
