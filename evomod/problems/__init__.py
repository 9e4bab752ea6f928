"""Tasks (inputs and goal truth tables), goals, the retina, and goal schedules."""
