"""The dashboard's widgets: breathing guide, heart trace, metric tiles, status and markers."""

from __future__ import annotations
