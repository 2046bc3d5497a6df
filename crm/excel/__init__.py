"""Excel in and out (DESIGN §6): import a ledger (项目台账), export the reports.

``importer.import_ledger`` reads with python-calamine, checks every row and writes in one
transaction; ``reports.export_report`` writes the reports with XlsxWriter (constant memory).
No Qt here: long work takes the ``progress(done, total)`` / ``cancelled()`` pair.
"""
