"""The after-commit hook of the activity log, for parts that react to what happened.

`events_committed` is sent once the transaction that recorded some events has committed,
with `event_ids` (a list of ActivityEvent primary keys) and `events` (those events as
they were written, so a receiver needing only their fields reads no row). Notifications (in-app notices and
e-mail) connect a receiver here: they read the events, never the request, so every door
(web, API, links, WebDAV, admin, tasks) produces them the same way, and a change that rolls
back tells nobody. A receiver runs in the request or task that made the change, after its
commit: do little, and enqueue the rest (django-q2). A receiver's error is logged and never
reaches the caller, whose change has already committed.

    from django.dispatch import receiver
    from activity.hooks import events_committed

    @receiver(events_committed, dispatch_uid="notifications_from_activity")
    def notify(sender, event_ids, events, **kwargs): ...

There is deliberately no hook inside the transaction: what reacts to an event (a notice,
an e-mail) is a side effect, written after commit (DESIGN.md, "notifications/").
"""

from django.dispatch import Signal

events_committed = Signal()  # keyword arguments: event_ids: list[int], events: list[ActivityEvent]
