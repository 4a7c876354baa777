"""Server status and the features roles can grant."""
