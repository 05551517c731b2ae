"""What turns the flows into deployments: work pool, schedules, triggers, notifications."""
