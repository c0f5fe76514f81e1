"""The studio's refusal: a change that cannot be made, said for the author."""


class StudioRefused(Exception):
    """The change cannot be made; the message says why, for the author."""
