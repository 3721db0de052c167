"""The provisioning spine: inventory, desired state, plan/diff, apply engine and journal."""
