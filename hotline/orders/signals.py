from django.dispatch import Signal

# Sent inside the action's transaction, after its event is written (arguments: ``order``,
# ``event``). Receivers that write (the notification outbox) therefore commit or roll back
# together with the action: nothing is announced that did not happen, nothing done goes unannounced.
event_recorded = Signal()
