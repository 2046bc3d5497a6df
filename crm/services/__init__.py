"""Services: one module per capability. Each function takes a unit of work first.

Callers run them with ``db.run(service, …)`` (writes) or ``db.read(service, …)`` (reads), or
compose several inside one ``with db.uow() as uow: …; uow.commit()``.
"""
