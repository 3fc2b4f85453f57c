"""Helpers for asserting a trip's events."""


def trip_events(events):
    """The trip's own events; notification.created ones are addressed to people, not trips."""
    return [event for event in events if event.trip_id]
