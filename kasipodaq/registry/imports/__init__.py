"""Import of organization and member files: reading, header recognition and beyond."""
