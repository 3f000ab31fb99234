"""What other apps call to tell people something (the implementation is in `services`).

    from twinning.notifications.services import notify
    notify(
        event=Event.PROBLEM_NEW,
        pairing=problem.pairing,          # the pair the news is about (webhooks are per pair)
        recipients=users,                 # candidates; filtered by `can_see` and preferences
        can_see=lambda user: ...,         # REQUIRED: may this user see the content?
        title="…", body="…", url="/consultations/12/",
        actor=request_user,               # never notified of their own action
    )

`notify_many([Message(...), ...])` does the same for many messages at once (a reminder run):
one lookup of preferences and robots, one insert each, one queued task.

`notify` runs inside the caller's transaction and never raises because of a channel: e-mails
and group-robot messages are queued and delivered in the background after the commit, with
retries and a record of every attempt. It returns the in-app notifications it created.
"""
