import multiprocessing
import sys

from crm.cli import main

if __name__ == "__main__":  # helper processes (crm.excel.keys) import this module again
    multiprocessing.freeze_support()  # the bundled crm program's helper processes
    sys.exit(main())
