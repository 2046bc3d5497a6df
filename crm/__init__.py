"""招商 CRM core: data, rules and figures, with no Qt anywhere."""

__version__ = "0.1.0"
