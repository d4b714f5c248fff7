"""Marks the server's own work for someone the clinic has not met yet.

A patient created from a public page (a referral link, a portal sign-up) has shown nobody
who they are: what they would receive at once (the welcome bonus, a newcomer's gift) waits
for their first paid visit instead. The mark is a Python object that JSON cannot carry, so
no client context can set it; a public or portal user acting is unverified without it.
"""


class _Unverified:
    __slots__ = ()

    def __repr__(self):
        return "<clinic_loyalty unverified newcomer>"


UNVERIFIED = _Unverified()
CONTEXT_KEY = "clinic_unverified_newcomer"


def unverified(records):
    """``records`` in an environment whose new patients' bonuses wait for a paid visit."""
    return records.with_context(**{CONTEXT_KEY: UNVERIFIED})


def is_unverified(env):
    """Whether value given now to a new patient must wait for their first paid visit."""
    return env.context.get(CONTEXT_KEY) is UNVERIFIED or not env.user._is_internal()
