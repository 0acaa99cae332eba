"""The actor base every concrete actor uses, and the refs that reach actors."""

from ._actor import Actor, ActorRef, Identity, actor_child, run_actor

__all__ = ["Actor", "ActorRef", "Identity", "actor_child", "run_actor"]
