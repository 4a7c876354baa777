"""Case configuration: how cases close, the default connector, custom fields, templates."""
