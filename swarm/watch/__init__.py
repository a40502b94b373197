"""Watch mode: materialize a PlanExe run the moment it has finished (`run_watch`), and run the
next swarm pass whenever a repository's refs or approvals change (`repo_watch`). Both wait on
watchdog's observer (inotify on Linux) through `changes`, and stop on SIGINT/SIGTERM (`stop`).
"""
