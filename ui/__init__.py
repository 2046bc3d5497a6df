"""招商 CRM desktop app: PySide6 views over crm services (no business rule, no SQL here)."""
