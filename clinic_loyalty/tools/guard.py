"""The one door through which the server changes money fields of clinic records.

Every stored field of a model can be written over JSON-RPC by any user with write access,
with any context the client chooses. The money fields of clinic records (a card's points,
tier and spend, a household membership, an order's loyalty round) are therefore written
only by server code that holds ``SERVER_WRITE``: a Python object that JSON cannot carry,
so no client context can open the door, whatever keys it sends.
"""


class _ServerWrite:
    __slots__ = ()

    def __repr__(self):
        return "<clinic_loyalty server write>"


SERVER_WRITE = _ServerWrite()
CONTEXT_KEY = "clinic_server_write"


def server_write(records):
    """``records`` in an environment allowed to write the guarded clinic fields."""
    return records.with_context(**{CONTEXT_KEY: SERVER_WRITE})


def is_server_write(env):
    return env.context.get(CONTEXT_KEY) is SERVER_WRITE
