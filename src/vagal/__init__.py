"""vagal: a nervous-system biofeedback monitor.

Heart-rate variability from Bluetooth LE heart-rate straps, computed beat by beat, with a
breathing guide in the terminal. Not a medical device.

This module imports nothing heavy: ``vagal --help`` must start fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
