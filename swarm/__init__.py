"""plan-swarm: execute a finished PlanExe plan as a Git repository worked by a swarm of agents."""

__version__ = "0.1.0"
