"""Start 招商 CRM: ``python main.py [--db URL] [--demo] [--page NAME] [--screenshot FILE.png]``."""

import multiprocessing
import sys

from ui.app import run

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a packaged app's helper processes (crm.excel.keys)
    sys.exit(run())
