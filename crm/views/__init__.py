"""Read models: what each screen shows, built in one unit of work (as cosmicpython's views).

A window asks for one of these through an operation (``ctx.read(op(view, …), done=…)``) and
shows it; no page composes services itself, so what a screen shows is tested without Qt.
"""
