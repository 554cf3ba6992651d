"""The hooks of the activity log: events_recorded (in the transaction) and the after-commit hook, for parts that react to what happened.

`events_committed` is sent once the transaction that recorded some events has committed,
with `event_ids` (a list of ActivityEvent primary keys) and `events` (those events as
they were written, so a receiver needing only their fields reads no row). Notifications (in-app notices and
e-mail) connect a receiver here: they read the events, never the request, so every door
(web, API, links, WebDAV, admin, tasks) produces them the same way. A receiver runs in the
request or task that made the change, after its commit: do little, and enqueue the rest
(django-q2). A receiver's error is logged and never reaches the caller.

    from django.dispatch import receiver
    from activity.hooks import events_committed

    @receiver(events_committed, dispatch_uid="notifications_from_activity")
    def notify(sender, event_ids, events, **kwargs): ...
"""

from django.dispatch import Signal

events_committed = Signal()  # keyword arguments: event_ids: list[int], events: list[ActivityEvent]

# Sent inside the transaction that records events, with `events` (ActivityEvent rows,
# saved). For what must be written in the same transaction as the change (the
# notifications' rows: a rolled-back change leaves no notice). A receiver's error rolls
# the change back with it: keep receivers to a few queries and no I/O.
events_recorded = Signal()  # keyword argument: events: list[ActivityEvent]
