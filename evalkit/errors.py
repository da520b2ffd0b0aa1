"""User-facing errors: the CLI prints them as one line and exits 2 (no traceback)."""


class EvalkitError(Exception):
    """A problem the user can fix; the message says what to do."""

    exit_code = 2
