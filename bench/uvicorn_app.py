"""The app's backend (API, /ws, Reflex's event socket) under plain uvicorn, one process, for
the side-by-side server comparison in `ws_fanout.py` (the production launcher runs Granian, or
gunicorn with uvicorn workers when gunicorn is installed).

    python bench/uvicorn_app.py PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    import uvicorn
    from reflex_base import constants as c
    from reflex_base.environment import environment as e

    e.REFLEX_ENV_MODE.set(c.Env.PROD)
    e.REFLEX_SKIP_COMPILE.set(True)
    e.REFLEX_COMPILE_CONTEXT.set(c.CompileContext.RUN)
    e.REFLEX_BACKEND_ONLY.set(True)
    from stockapp.stockapp import app

    uvicorn.run(
        app(), host="127.0.0.1", port=int(sys.argv[1]), ws="websockets-sansio", log_level="warning"
    )


if __name__ == "__main__":
    main()
