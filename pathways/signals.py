"""What the pathways package tells listeners (the pathway engine, reporting) without
them being called from the recording code.

`actions_recorded` is sent once per call that recorded new actions, after the commit that
stored them, with `sender=None` and `actions=[(action_id, identity_id, type_key,
retracts_id), ...]`: one tuple per action inserted by that call, never one for a duplicate
(a retry, or an action that was already recorded). `action_id` and `identity_id` are the
rows' integer ids. For a retraction, `type_key` is the type of the action it withdraws
(whose counts just changed) and `retracts_id` that action's id; otherwise `retracts_id` is
None. The actions are committed when a listener runs: it must not raise (its exception
would reach the client that recorded them) and should queue its work (a job) rather than
do it in the request.

`actions_recording` carries the same `actions`, sent inside that transaction just before
its commit: a listener adds rows that must commit with the actions or not at all (the
engine's evaluation job, so that no committed action is left without one, whatever
happens to the process after the commit). Its exception rolls the actions back.
"""

from blinker import Namespace

_signals = Namespace()

actions_recording = _signals.signal("actions-recording")
actions_recorded = _signals.signal("actions-recorded")
