"""The report: knowledge base, findings, symptoms and red flags, self-contained HTML, compare."""
from __future__ import annotations

from .html import write_report

__all__ = ["write_report"]
