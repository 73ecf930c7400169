"""Errors meant for the user, in a module that imports nothing heavy: the command line
catches them before Beam is imported, so even Ctrl-C during start-up is one line."""


class UsageError(ValueError):
    """A bad argument; its message is one line meant for the user."""
