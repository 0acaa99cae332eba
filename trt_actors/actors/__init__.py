"""The actor base every concrete actor uses, the refs that reach actors, and `Ask[R]`: the
base of a message whose reply is an `R`."""

from trt_actors.mailboxes import Ask

from ._actor import Actor, ActorRef, Identity, actor_child, run_actor

__all__ = ["Actor", "ActorRef", "Ask", "Identity", "actor_child", "run_actor"]
