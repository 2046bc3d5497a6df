"""Start 招商 CRM: ``python main.py [--db URL] [--demo] [--page NAME] [--screenshot FILE.png]``."""

import sys

from ui.app import run

if __name__ == "__main__":
    sys.exit(run())
