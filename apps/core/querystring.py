"""Lenient query-string parsing where the contract says bad values fall back to a default."""


def int_param(raw: str | None, *, default: int, minimum: int, maximum: int) -> int:
    """Non-integers and values below ``minimum`` give ``default``; large ones are capped."""
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    if value < minimum:
        return default
    return min(value, maximum)
