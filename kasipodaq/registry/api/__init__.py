"""The registry's API endpoints: organizations and members."""
