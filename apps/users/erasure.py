"""Personal data erasers: how account deletion reaches data kept by other apps.

``users.services.user_delete_account`` anonymises the user row itself, then calls every
registered eraser with the (already anonymised, deactivated) user, inside its transaction: an
eraser that raises rolls the whole deletion back. An app that keeps personal data registers
one in its ``AppConfig.ready()``::

    from apps.users.erasure import register_personal_data_eraser

    register_personal_data_eraser(wallet_services.wallet_erase_for_deleted_account)

Erasers must be idempotent (a deletion can be repeated) and keep rows other people rely on
(messages, todos, polls, votes, reactions stay, shown as "Deleted user").
"""

from collections.abc import Callable

PersonalDataEraser = Callable[..., None]  # called as eraser(user=user)

PERSONAL_DATA_ERASERS: list[PersonalDataEraser] = []


def register_personal_data_eraser(eraser: PersonalDataEraser) -> PersonalDataEraser:
    """Add an eraser (once); usable as a decorator."""
    if eraser not in PERSONAL_DATA_ERASERS:
        PERSONAL_DATA_ERASERS.append(eraser)
    return eraser


def erase_personal_data(*, user) -> None:
    for eraser in PERSONAL_DATA_ERASERS:
        eraser(user=user)
