"""Sessions: crash-safe recording, reading (with damage reports), replay and other tools' formats."""
