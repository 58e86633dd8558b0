"""The LVS hub: the API centres report to, and (hub/dashboard) the national picture for LVS staff."""
