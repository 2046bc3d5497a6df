import sys

from crm.cli import main

if __name__ == "__main__":  # helper processes (crm.excel.keys) import this module again
    sys.exit(main())
