"""Studio forms: they parse and label; the rules are in the services they feed."""
